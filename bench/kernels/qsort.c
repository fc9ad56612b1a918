/*
 * qsort.c — a quicksort of 32-bit integers: Hoare partition around a
 * median of three, insertion sort for short ranges, recursion on the
 * smaller side only. Branchy compares and swaps over memory, plus calls.
 * run() checks the order and returns 0 if the array is not sorted.
 */
#include "kernel.h"

#define QS_N 200000u
#define QS_REPS 4

static volatile uint32_t reps = QS_REPS;
static int32_t arr[QS_N];

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi)
{
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static NOINLINE void quicksort(int32_t *a, int32_t lo, int32_t hi)
{
    while (hi - lo > 16) {
        int32_t mid = lo + (hi - lo) / 2;
        /* Median of three into a[mid]. */
        int32_t x = a[lo], y = a[mid], z = a[hi], t;
        if (x > y)
            t = x, x = y, y = t;
        if (y > z)
            t = y, y = z, z = t;
        if (x > y)
            t = x, x = y, y = t;
        a[lo] = x, a[mid] = y, a[hi] = z;
        int32_t pivot = y, i = lo - 1, j = hi + 1;
        for (;;) {
            do
                i++;
            while (a[i] < pivot);
            do
                j--;
            while (a[j] > pivot);
            if (i >= j)
                break;
            t = a[i], a[i] = a[j], a[j] = t;
        }
        /* a[lo..j] <= pivot <= a[j+1..hi] */
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

uint32_t run(void)
{
    uint32_t check = 0;
    for (uint32_t r = 0; r < reps; r++) {
        uint32_t seed = 0x1234567u + r;
        for (uint32_t i = 0; i < QS_N; i++) {
            /* Every other rep has many duplicates. */
            uint32_t v = xorshift32(&seed);
            arr[i] = (int32_t)(r & 1 ? v % 1000u : v);
        }
        quicksort(arr, 0, (int32_t)QS_N - 1);
        for (uint32_t i = 1; i < QS_N; i++)
            if (arr[i - 1] > arr[i])
                return 0;
        for (uint32_t i = 0; i < QS_N; i += 97)
            check = check * 31u + (uint32_t)arr[i];
    }
    return check;
}
