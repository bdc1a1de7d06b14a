/* What cleaner's C modules share (included by the compiled modules): str methods
 * on code points as CPython computes them, numpy's summation order, an integer sort, a str of code points and the
 * name "lower" interned, the classifier's window means. Static functions, one copy a module. */
#ifndef CLEANER_NATIVE_H
#define CLEANER_NATIVE_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

/* str.isupper() of a string of n code points, CPython's own loop: a lower- or titlecase character rules it out,
 * and at least one character must be uppercase. */
static int str_isupper(const Py_UCS4 *s, Py_ssize_t n) {
    if (n == 1) return Py_UNICODE_ISUPPER(s[0]) != 0;
    int cased = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_UNICODE_ISLOWER(s[i]) || Py_UNICODE_ISTITLE(s[i])) return 0;
        if (!cased && Py_UNICODE_ISUPPER(s[i])) cased = 1;
    }
    return cased;
}

/* A str of n code points: PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, ...), with a short way for ASCII (most
 * words), which that function would scan for its widest character and then convert. */
static PyObject *str_of(const Py_UCS4 *s, Py_ssize_t n) {
    Py_UCS4 top = 0;
    for (Py_ssize_t i = 0; i < n; i++) top |= s[i];
    if (top >= 128) return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, s, n);
    PyObject *out = PyUnicode_New(n, 127);
    if (!out) return NULL;
    Py_UCS1 *dst = PyUnicode_1BYTE_DATA(out);
    for (Py_ssize_t i = 0; i < n; i++) dst[i] = (Py_UCS1)s[i];
    return out;
}

/* str.endswith(suffix) for an ASCII suffix. */
static inline int ends_with(const Py_UCS4 *s, Py_ssize_t n, const char *suffix) {
    Py_ssize_t k = (Py_ssize_t)strlen(suffix);
    if (k > n) return 0;
    for (Py_ssize_t i = 0; i < k; i++)
        if (s[n - k + i] != (Py_UCS4)(unsigned char)suffix[i]) return 0;
    return 1;
}

/* numpy's sum of a contiguous float64 array (pairwise_sum in its loops: runs under 8 added in order, blocks of up
 * to 128 in 8 interleaved partial sums, longer runs halved at a multiple of 8): the same additions in the same
 * order give numpy's bits. */
static double pairwise_sum(const double *a, Py_ssize_t n) {
    if (n < 8) {
        double res = 0.;
        for (Py_ssize_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

/* LSD radix sort of n keys (tmp: room for n), skipping the bytes in which all keys agree: O(n), no recursion,
 * and as fast as numpy's sort on the few thousand n-gram codes of a document. */
static void sort_u64(uint64_t *a, uint64_t *tmp, Py_ssize_t n) {
    if (n < 2) return;
    if (n <= 32) {
        for (Py_ssize_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            Py_ssize_t j = i;
            for (; j > 0 && a[j - 1] > x; j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    uint64_t any = 0, all = ~UINT64_C(0);
    for (Py_ssize_t i = 0; i < n; i++) {
        any |= a[i];
        all &= a[i];
    }
    uint64_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 64; shift += 8) {
        if (!(((any ^ all) >> shift) & 0xff)) continue;
        Py_ssize_t count[257] = {0};
        for (Py_ssize_t i = 0; i < n; i++) count[((src[i] >> shift) & 0xff) + 1]++;
        for (int b = 0; b < 256; b++) count[b + 1] += count[b];
        for (Py_ssize_t i = 0; i < n; i++) dst[count[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != a) memcpy(a, src, (size_t)n * sizeof(uint64_t));
}

/* "lower", interned once (PyObject_CallMethod makes the name from C on every call); NULL with an exception set */
static PyObject *lower_name(void) {
    static PyObject *name = NULL;
    if (!name) name = PyUnicode_InternFromString("lower");
    return name;
}

/* A growing array of code points (the MT and readability cores build a document's text in one). */
typedef struct {
    Py_UCS4 *items;
    Py_ssize_t n, cap;
} Chars;

/* Room for `more` characters in `c`; -1 with an exception set. */
static int chars_room(Chars *c, Py_ssize_t more) {
    if (c->n + more <= c->cap) return 0;
    Py_ssize_t cap = c->cap ? 2 * c->cap : 4096;
    while (cap < c->n + more) cap *= 2;
    Py_UCS4 *grown = PyMem_Realloc(c->items, (size_t)cap * sizeof(Py_UCS4));
    if (!grown) {
        PyErr_NoMemory();
        return -1;
    }
    c->items = grown;
    c->cap = cap;
    return 0;
}

/* The means of m columns over the window of `width` blocks either side of block i (clipped to the n blocks), from
 * their running sums (`sums`: (n + 1) rows of m, the first zeros), into o: the classifier's context windows
 * (classifier._context), in numpy's order of operations. */
static inline void window_means(double *o, const double *sums, Py_ssize_t m, Py_ssize_t i, Py_ssize_t n,
                                Py_ssize_t width) {
    Py_ssize_t lo = i - width > 0 ? i - width : 0;
    Py_ssize_t hi = i + width + 1 < n ? i + width + 1 : n;
    double count = (double)(hi - lo);
    for (Py_ssize_t c = 0; c < m; c++) o[c] = (sums[hi * m + c] - sums[lo * m + c]) / count;
}

#endif
