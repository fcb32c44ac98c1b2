/* Pointer chasing: N list nodes of 4 KiB each (one node per page) in one array, linked in a
 * random order (Fisher-Yates shuffle with a fixed LCG), then walked K times summing a field.
 * Every step loads the next pointer from another page: a TLB-unfriendly walk.
 * Usage: listwalk N K   (the bundled trace uses N = 1024, K = 8) */
#include <stdio.h>
#include <stdlib.h>

struct node {
  struct node *next;
  long value;
  char pad[4096 - 2 * sizeof(long)];
};

static unsigned lcg_state = 4242u;
static unsigned lcg(void) { return lcg_state = lcg_state * 1103515245u + 12345u; }

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1024;
  long k = argc > 2 ? atol(argv[2]) : 8;
  if (n < 2 || k < 1) return 1;
  struct node *nodes = malloc(sizeof(struct node) * (size_t)n);
  long *order = malloc(sizeof(long) * (size_t)n);
  if (!nodes || !order) return 1;
  for (long i = 0; i < n; i++) order[i] = i;
  for (long i = n - 1; i > 0; i--) {
    long j = (long)((lcg() >> 4) % (unsigned long)(i + 1));
    long t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (long i = 0; i < n; i++) {
    struct node *p = &nodes[order[i]];
    p->next = &nodes[order[(i + 1) % n]];
    p->value = i;
  }
  free(order);
  long sum = 0;
  struct node *p = &nodes[0];
  for (long r = 0; r < k; r++)
    for (long i = 0; i < n; i++) {
      sum += p->value;
      p = p->next;
    }
  printf("listwalk n=%ld k=%ld sum=%ld\n", n, k, sum);
  free(nodes);
  return 0;
}
