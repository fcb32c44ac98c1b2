/* Quicksort (Hoare partition, median of three, insertion sort below 16 elements) of an int
 * array filled by a fixed LCG; prints a checksum so the work cannot be optimised away.
 * Usage: quicksort N   (the bundled trace uses N = 600) */
#include <stdio.h>
#include <stdlib.h>

static unsigned lcg_state = 12345u;
static unsigned lcg(void) { return lcg_state = lcg_state * 1103515245u + 12345u; }

static void insertion_sort(int *a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    int v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static void swap(int *a, long i, long j) {
  int t = a[i];
  a[i] = a[j];
  a[j] = t;
}

static void quicksort(int *a, long lo, long hi) {
  while (hi - lo >= 16) {
    long mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int pivot = a[mid];
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do i++; while (a[i] < pivot);
      do j--; while (a[j] > pivot);
      if (i >= j) break;
      swap(a, i, j);
    }
    /* Recurse into the smaller part, loop on the larger: O(log n) stack. */
    if (j - lo < hi - j) {
      quicksort(a, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, j + 1, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 600;
  if (n < 1) return 1;
  int *a = malloc(sizeof(int) * (size_t)n);
  if (!a) return 1;
  for (long i = 0; i < n; i++) a[i] = (int)(lcg() >> 8);
  quicksort(a, 0, n - 1);
  unsigned long sum = 0;
  for (long i = 0; i < n; i++) {
    if (i > 0 && a[i - 1] > a[i]) {
      printf("not sorted at %ld\n", i);
      return 1;
    }
    sum = sum * 31 + (unsigned)a[i];
  }
  printf("quicksort n=%ld checksum=%lx\n", n, sum);
  free(a);
  return 0;
}
