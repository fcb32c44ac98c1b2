/* Dense matrix multiply C = A * B of N x N doubles, naive i-j-k order (B walked by column),
 * matrices from malloc. Usage: matmul N   (the bundled trace uses N = 20) */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20;
  if (n < 1) return 1;
  double *a = malloc(sizeof(double) * (size_t)(n * n));
  double *b = malloc(sizeof(double) * (size_t)(n * n));
  double *c = malloc(sizeof(double) * (size_t)(n * n));
  if (!a || !b || !c) return 1;
  for (long i = 0; i < n * n; i++) {
    a[i] = (double)(i % 7) - 3.0;
    b[i] = (double)(i % 5) * 0.5;
  }
  for (long i = 0; i < n; i++)
    for (long j = 0; j < n; j++) {
      double s = 0.0;
      for (long k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
  double trace = 0.0;
  for (long i = 0; i < n; i++) trace += c[i * n + i];
  printf("matmul n=%ld trace=%.1f\n", n, trace);
  free(a);
  free(b);
  free(c);
  return 0;
}
