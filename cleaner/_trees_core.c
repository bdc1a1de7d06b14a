/* The block classifier's tree ensembles and its stage-2 context features, compiled (cleaner/classifier.py).
 *
 * Why: a document has a few dozen blocks, and the numpy evaluation of a 150-tree ensemble (QuickScorer over
 * numpy arrays: every split test of every tree compared for all rows, the ruled-out leaves OR-ed, the first leaf
 * left found by a table) is some thirty numpy calls whose per-call cost outweighs the arithmetic at that size;
 * the stage-2 features and the context windows are another forty small numpy calls a document. Here:
 * - a `Forest` holds the trees as flat tables made once per classifier.Trees (Trees._node_tables): each tree's
 *   nodes in preorder (a child always after its parent, so every walk ends), with leaf ids = tree * stride +
 *   the leaf's number left to right (stride 64: the numbering of Trees._leaf_masks, which the path attribution
 *   reads). `evaluate` finds the leaf each row reaches in each tree, `x <= threshold` going left and anything
 *   else (NaN too) right, as the numpy code decides: by QuickScorer's bit sets in C (each tree's tests applied
 *   to a block of up to sixteen rows at once with vector compares, no branch on the data: four times fewer
 *   instructions than a branchy walk's mispredictions cost in time) when no tree has over 64 leaves, else by
 *   walking the trees. Where the processor has AVX2 (asked at import; `use_avx2` switches, for the tests) the
 *   compares take four rows a vector, as many vectors as the block's rows need, two tests a round, and the
 *   rows' pairwise sums go four rows at once from the values laid out tree after tree; elsewhere SSE2 pairs of
 *   doubles, eight rows at a time. Both paths make the same comparisons and the same additions: the same bits.
 *   It writes the leaf values, the leaf ids and the log-odds: base + the row's leaf values added in numpy's
 *   pairwise order for `values.sum(axis=1)` (0.0 + pairwise_sum: the reduction starts from its identity), so
 *   that the float64 results equal the numpy code's bit for bit.
 * - `stage2` computes classifier.stage2_features' columns with the Python code's operations in its order
 *   (sequential cumulative sums as np.cumsum, np.add.reduce's pairwise sum, the same divisions of the same
 *   integers); the DOM containers' columns stay in Python (they look blocks up by arbitrary keys).
 * - `context` computes classifier._context: the neighbours' core features (-1 past either end) and the
 *   window means by a sequential cumulative sum per column.
 * - `attribute` sums the reasons' path attribution in the numpy code's order, and `rank` orders each row's positive
 *   contributions for a reason (the order numpy's argpartition and stable argsort give them, where no tie leaves
 *   that order to argpartition: those rows go to numpy).
 * The sigmoid's exp stays numpy's (np.exp: numpy's own SIMD exp need not round as the C library's does); `logistic`
 * does the addition and division after it.
 * classifier.py keeps the numpy code as the reference and the fallback (no C compiler at install);
 * tests/test_trees_core.py checks that both give the same bits.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only,
 * arrays through the buffer protocol (no numpy headers), no fast-math (the order of float operations is the
 * point). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_native.h" /* pairwise_sum, window_means */

/* ---- buffers ---------------------------------------------------------------------------------------------- */

/* A C-contiguous float64 (or int64: `kind` 'q') array of `ndim` dimensions from `obj`, writable when asked. */
static int get_array(PyObject *obj, Py_buffer *view, int ndim, char kind, int writable, const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    const char *format = view->format ? view->format : "B";
    size_t k = strlen(format);
    /* native byte order (numpy's own); numpy writes int64 as 'l' or 'q' */
    int ok_kind = k >= 1 && (format[k - 1] == kind || (kind == 'q' && format[k - 1] == 'l')) &&
                  (k == 1 || (k == 2 && (format[0] == '=' || format[0] == '@' || (format[0] == '<' && PY_LITTLE_ENDIAN))));
    if (view->ndim != ndim || view->itemsize != 8 || !ok_kind) {
        PyErr_Format(PyExc_ValueError, "%s: a C-contiguous %s array of %d dimension(s) expected", what,
                     kind == 'd' ? "float64" : "int64", ndim);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* ---- the forest ------------------------------------------------------------------------------------------- */

typedef struct {
    double threshold;
    int32_t feature;
    int32_t child[2]; /* left (x <= threshold), right (otherwise, NaN too) */
} Node;

/* Bit 63, set in every test's `keep`, so in every set of possible leaves: a set left empty (of no tree: a leaf
 * ruled out only by a test off the row's path, which tables made from a tree never have) still names a leaf. In a
 * tree of 64 leaves it changes no row's first possible leaf (leaf 63 is the first only when the others are ruled
 * out); in a smaller one no test rules bit 63 out anyway. */
#define NO_LEAF_LEFT ((uint64_t)1 << 63)

/* Rows side by side in test_rows' copy of the rows (xt): a block of SIDE rows, a column's SIDE values one after
 * another; the tests read them HALF rows at a time (the SSE2 loop: pairs of doubles) or four at a time (AVX2). */
#define SIDE 16
#define HALF 8

/* A split test as QuickScorer reads it: going right rules out the leaves of the left subtree. Its numbers twice
 * over, as two lanes of a vector. */
typedef struct {
    double threshold[2];
    uint64_t keep[2]; /* the tree's leaves (bit = number left to right) not in the left subtree */
    Py_ssize_t at;    /* where its feature is in a block of test_rows' columns: feature * SIDE */
    Py_ssize_t feature;
} Test;

typedef struct {
    PyObject_HEAD
    double base;
    Py_ssize_t n_trees, n_nodes, n_leaves;
    Py_ssize_t min_columns; /* the largest feature tested + 1: a row must have that many */
    int32_t *roots;         /* each tree's first node */
    Node *nodes;
    int32_t *leaf_id;   /* by node: -1 for an internal node */
    double *leaf_value; /* by leaf id */
    /* QuickScorer's tables when no tree has over 64 leaves (else NULL: the trees are walked) */
    Test *tests;           /* each tree's tests, tree after tree */
    Py_ssize_t *tests_at;  /* tree t's tests: tests_at[t] .. tests_at[t + 1], an even number (see tree_tests) */
    const Test **tests_end; /* tree t's tests end at tests_end[t] (tests + tests_at[t + 1]) */
    int32_t *leaf_of_bit;  /* tree * 64 + leaf number -> leaf id */
    double *value_of_bit;  /* tree * 64 + leaf number -> the leaf's value (leaf_value[leaf_of_bit[...]]) */
} Forest;

static void forest_free(Forest *self) {
    PyMem_Free(self->roots);
    PyMem_Free(self->nodes);
    PyMem_Free(self->leaf_id);
    PyMem_Free(self->leaf_value);
    PyMem_Free(self->tests);
    PyMem_Free(self->tests_at);
    PyMem_Free((void *)self->tests_end);
    self->tests_end = NULL;
    PyMem_Free(self->leaf_of_bit);
    PyMem_Free(self->value_of_bit);
    self->value_of_bit = NULL;
    self->roots = self->leaf_id = self->leaf_of_bit = NULL;
    self->nodes = NULL;
    self->leaf_value = NULL;
    self->tests = NULL;
    self->tests_at = NULL;
}

static void forest_dealloc(Forest *self) {
    forest_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Tree t's nodes (those reachable from its root: marked t in `mark`), its leaves numbered in node order (left to
 * right, the nodes being in preorder) and each node's leaves as a bit set (`set`); its tests written to `out`
 * unless NULL, its leaves' ids to leaf_of_bit + t * 64. The number of tests, or -1 when the tree has over 64
 * leaves. Children come after their parents (forest_init checks), so one pass forward and one back suffice. */
static Py_ssize_t tree_tests(const Forest *f, Py_ssize_t t, int32_t *mark, uint64_t *set, Test *out,
                             int32_t *leaf_of_bit) {
    Py_ssize_t root = f->roots[t], end = root, n_tests = 0;
    int leaves = 0;
    mark[root] = (int32_t)t;
    for (Py_ssize_t i = root; i <= end; i++) {
        if (mark[i] != t) continue;
        if (f->leaf_id[i] >= 0) {
            if (leaves == 64) return -1;
            set[i] = (uint64_t)1 << leaves;
            if (leaf_of_bit) {
                if (leaves == 0)
                    for (int b = 0; b < 64; b++) leaf_of_bit[t * 64 + b] = f->leaf_id[i]; /* (bits of no leaf) */
                leaf_of_bit[t * 64 + leaves] = f->leaf_id[i];
            }
            leaves++;
            continue;
        }
        for (int c = 0; c < 2; c++) {
            int32_t child = f->nodes[i].child[c];
            mark[child] = (int32_t)t;
            if (child > end) end = child;
        }
        n_tests++;
    }
    if (!out) return n_tests;
    for (Py_ssize_t i = end; i >= root; i--)
        if (mark[i] == t && f->leaf_id[i] < 0) set[i] = set[f->nodes[i].child[0]] | set[f->nodes[i].child[1]];
    Py_ssize_t k = 0;
    for (Py_ssize_t i = root; i <= end; i++)
        if (mark[i] == t && f->leaf_id[i] < 0)
            out[k++] = (Test){{f->nodes[i].threshold, f->nodes[i].threshold},
                              {~set[f->nodes[i].child[0]] | NO_LEAF_LEFT, ~set[f->nodes[i].child[0]] | NO_LEAF_LEFT},
                              (Py_ssize_t)f->nodes[i].feature * SIDE, f->nodes[i].feature};
    if (k & 1) /* a test that rules nothing out (keep: every leaf), so that each tree has an even number */
        out[k++] = (Test){{0.0, 0.0}, {~(uint64_t)0, ~(uint64_t)0}, 0, 0};
    return n_tests;
}

/* QuickScorer's tables (tests, tests_at, leaf_of_bit) when no tree has over 64 leaves; 0, or -1 on no memory. */
static int make_tests(Forest *f) {
    int status = -1;
    size_t some = 1;
    int32_t *mark = PyMem_Malloc((f->n_nodes + some) * sizeof(int32_t));
    uint64_t *set = PyMem_Malloc((f->n_nodes + some) * sizeof(uint64_t));
    f->tests_at = PyMem_Malloc((f->n_trees + 1) * sizeof(Py_ssize_t));
    if (!mark || !set || !f->tests_at) goto done;
    for (Py_ssize_t i = 0; i < f->n_nodes; i++) mark[i] = -1;
    f->tests_at[0] = 0;
    for (Py_ssize_t t = 0; t < f->n_trees; t++) {
        Py_ssize_t k = tree_tests(f, t, mark, set, NULL, NULL);
        if (k < 0) { /* a tree of over 64 leaves: walked */
            PyMem_Free(f->tests_at);
            f->tests_at = NULL;
            status = 0;
            goto done;
        }
        f->tests_at[t + 1] = f->tests_at[t] + k + (k & 1); /* (an even number: see tree_tests) */
    }
    f->tests = PyMem_Malloc((f->tests_at[f->n_trees] + some) * sizeof(Test));
    f->leaf_of_bit = PyMem_Malloc((f->n_trees * 64 + some) * sizeof(int32_t));
    f->value_of_bit = PyMem_Malloc((f->n_trees * 64 + some) * sizeof(double));
    f->tests_end = PyMem_Malloc((f->n_trees + some) * sizeof(Test *));
    if (!f->tests || !f->leaf_of_bit || !f->value_of_bit || !f->tests_end) goto done;
    for (Py_ssize_t t = 0; t < f->n_trees; t++) f->tests_end[t] = f->tests + f->tests_at[t + 1];
    for (Py_ssize_t t = 0; t < f->n_trees; t++) tree_tests(f, t, mark, set, f->tests + f->tests_at[t], f->leaf_of_bit);
    for (Py_ssize_t b = 0; b < f->n_trees * 64; b++) f->value_of_bit[b] = f->leaf_value[f->leaf_of_bit[b]];
    status = 0;
done:
    PyMem_Free(mark);
    PyMem_Free(set);
    return status;
}

/* Forest(base, roots, feature, threshold, left, right, leaf_id, leaf_value): int32 roots (one a tree); per node
 * int32 feature, float64 threshold, int32 left and right children (an internal node's after it), int32 leaf id
 * (-1: internal); float64 leaf values by leaf id. */
static int forest_init(Forest *self, PyObject *args, PyObject *kwds) {
    static char *keywords[] = {"base", "roots", "feature", "threshold", "left", "right", "leaf_id", "leaf_value",
                               NULL};
    double base;
    Py_buffer roots, feature, threshold, left, right, leaf_id, leaf_value;
    if (self->roots) { /* (an evaluation in another thread may be reading the tables) */
        PyErr_SetString(PyExc_TypeError, "Forest: already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "dy*y*y*y*y*y*y*:Forest", keywords, &base, &roots, &feature,
                                     &threshold, &left, &right, &leaf_id, &leaf_value))
        return -1;
    int status = -1;
    Py_ssize_t n_trees = roots.len / 4, n_nodes = feature.len / 4, n_leaves = leaf_value.len / 8;
    if (roots.len % 4 || feature.len % 4 || threshold.len != n_nodes * 8 || left.len != n_nodes * 4 ||
        right.len != n_nodes * 4 || leaf_id.len != n_nodes * 4 || leaf_value.len % 8 || n_nodes >= INT32_MAX ||
        n_trees >= INT32_MAX / 64) {
        PyErr_SetString(PyExc_ValueError, "Forest: int32 roots, feature, left, right and leaf_id, float64 "
                                          "threshold and leaf_value, one feature, threshold, left, right and "
                                          "leaf_id a node");
        goto done;
    }
    const int32_t *rt = roots.buf, *ft = feature.buf, *lt = left.buf, *rg = right.buf, *id = leaf_id.buf;
    const double *th = threshold.buf;
    Py_ssize_t min_columns = 0;
    for (Py_ssize_t t = 0; t < n_trees; t++)
        if (rt[t] < 0 || rt[t] >= n_nodes) {
            PyErr_Format(PyExc_ValueError, "Forest: tree %zd's root is out of range", t);
            goto done;
        }
    for (Py_ssize_t i = 0; i < n_nodes; i++) {
        int ok = id[i] < 0 ? ft[i] >= 0 && lt[i] > i && lt[i] < n_nodes && rg[i] > i && rg[i] < n_nodes
                           : id[i] < n_leaves;
        if (!ok) {
            PyErr_Format(PyExc_ValueError, "Forest: node %zd has a negative feature, a child out of range or "
                                           "before it, or a leaf id out of range", i);
            goto done;
        }
        if (id[i] < 0 && ft[i] + 1 > min_columns) min_columns = ft[i] + 1;
    }
    size_t some = 1; /* (no zero-byte allocations) */
    self->roots = PyMem_Malloc((n_trees + some) * sizeof(int32_t));
    self->nodes = PyMem_Malloc((n_nodes + some) * sizeof(Node));
    self->leaf_id = PyMem_Malloc((n_nodes + some) * sizeof(int32_t));
    self->leaf_value = PyMem_Malloc((n_leaves + some) * sizeof(double));
    if (!self->roots || !self->nodes || !self->leaf_id || !self->leaf_value) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n_nodes; i++) {
        self->nodes[i] = (Node){th[i], ft[i], {lt[i], rg[i]}};
        self->leaf_id[i] = id[i] < 0 ? -1 : id[i];
    }
    memcpy(self->roots, rt, n_trees * sizeof(int32_t));
    memcpy(self->leaf_value, leaf_value.buf, n_leaves * sizeof(double));
    self->base = base;
    self->n_trees = n_trees;
    self->n_nodes = n_nodes;
    self->n_leaves = n_leaves;
    self->min_columns = min_columns;
    if (make_tests(self) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    status = 0;
done:
    if (status < 0) forest_free(self);
    PyBuffer_Release(&roots);
    PyBuffer_Release(&feature);
    PyBuffer_Release(&threshold);
    PyBuffer_Release(&left);
    PyBuffer_Release(&right);
    PyBuffer_Release(&leaf_id);
    PyBuffer_Release(&leaf_value);
    return status;
}

/* The number of trailing zero bits of a non-zero set. */
static inline uint64_t lowest_bit(uint64_t set) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    /* tzcnt where there is BMI1, bsf elsewhere (the same number, the set not being zero); written out, as
     * __builtin_ctzll's int is sign-extended again before it indexes a table (an instruction a row and tree) */
    uint64_t b;
    __asm__("rep bsfq %1, %0" : "=r"(b) : "rm"(set) : "cc");
    return b;
#elif defined(__GNUC__) || defined(__clang__)
    return (uint64_t)__builtin_ctzll(set);
#else
    uint64_t b = 0;
    while (!(set & 1)) set >>= 1, b++;
    return b;
#endif
}

/* Each row's leaf in tree t from the leaves its tests left possible (`possible`, rows r0 .. r0 + count, bit 63
 * set): the first of them. Its value into v (row r, tree t at v[r * row_stride + t * tree_stride]), its id into
 * `leaves` (unless NULL) for the first `count_ids` rows (count_ids <= count; the rows past it: padding, values
 * alone). */
static inline __attribute__((always_inline)) void leaves_of_sets(const Forest *f, Py_ssize_t t,
                                                                 const uint64_t *possible, Py_ssize_t count,
                                                                 Py_ssize_t count_ids, double *v,
                                                                 Py_ssize_t row_stride, Py_ssize_t tree_stride,
                                                                 int64_t *leaves, Py_ssize_t rows, Py_ssize_t start,
                                                                 Py_ssize_t r0) {
    const double *value_of_bit = f->value_of_bit + t * 64;
    double *vt = v + r0 * row_stride + t * tree_stride;
    if (leaves) {
        const int32_t *leaf_of_bit = f->leaf_of_bit + t * 64;
        int64_t *lt = leaves + t * rows + start + r0;
        for (Py_ssize_t j = 0; j < count_ids; j++) {
            uint64_t b = lowest_bit(possible[j]);
            vt[j * row_stride] = value_of_bit[b];
            lt[j] = leaf_of_bit[b];
        }
        for (Py_ssize_t j = count_ids; j < count; j++) vt[j * row_stride] = value_of_bit[lowest_bit(possible[j])];
    } else {
        for (Py_ssize_t j = 0; j < count; j++) vt[j * row_stride] = value_of_bit[lowest_bit(possible[j])];
    }
}

/* Rows [start, start + n) of X into xt (the layout test_rows reads: blocks of SIDE rows, a block's columns one
 * after another; the rows past n up to `upto`: copies of the first, their leaves unread). */
static void transpose_plain(const double *X, Py_ssize_t columns, Py_ssize_t start, Py_ssize_t n, Py_ssize_t upto,
                            Py_ssize_t used, double *xt) {
    for (Py_ssize_t r = 0; r < upto; r++) {
        const double *x = X + (start + (r < n ? r : 0)) * columns;
        double *block = xt + (r / SIDE) * used * SIDE + r % SIDE;
        for (Py_ssize_t c = 0; c < used; c++) block[c * SIDE] = x[c];
    }
}

#if defined(__GNUC__) || defined(__clang__)
/* GCC's and Clang's vector types (SSE2 on x86-64, NEON on arm64, plain code elsewhere): a comparison gives -1 (all
 * bits set) where true, 0 where false (NaN: false, as in C). */
typedef double pair_of_doubles __attribute__((vector_size(16)));
typedef int64_t pair_of_sets __attribute__((vector_size(16)));

/* The leaves still possible for the HALF rows from `block` (a block's columns SIDE doubles apart) after the tests first ..
 * last: each test's threshold against two rows at once. */
static inline void test_side(const Test *first, const Test *last, const double *block, uint64_t possible[HALF]) {
    pair_of_sets sets[HALF / 2];
    for (int h = 0; h < HALF / 2; h++) sets[h] = (pair_of_sets){-1, -1};
    for (const Test *test = first; test < last; test++) {
        pair_of_doubles threshold, x;
        pair_of_sets keep;
        memcpy(&threshold, test->threshold, sizeof threshold);
        memcpy(&keep, test->keep, sizeof keep);
        for (int h = 0; h < HALF / 2; h++) {
            memcpy(&x, block + test->at + 2 * h, sizeof x);
            sets[h] &= (x <= threshold) | keep;
        }
    }
    for (int h = 0; h < HALF / 2; h++) possible[2 * h] = (uint64_t)sets[h][0], possible[2 * h + 1] = (uint64_t)sets[h][1];
}
#else
static inline void test_side(const Test *first, const Test *last, const double *block, uint64_t possible[HALF]) {
    for (int j = 0; j < HALF; j++) possible[j] = ~(uint64_t)0;
    for (const Test *test = first; test < last; test++)
        for (int j = 0; j < HALF; j++)
            possible[j] &= test->keep[0] | ((uint64_t)0 - (uint64_t)(block[test->at + j] <= test->threshold[0]));
}
#endif

/* Rows [start, stop) of X, the leaf each reaches in each tree, by QuickScorer's tests: for each tree, the leaves
 * left possible after every test the row sends right (`keep`), the first of them its leaf (the walk's, for a
 * tree). SIDE rows side by side (xt: blocks of SIDE rows, a block's columns one after another, the rows rounded
 * up to a multiple of HALF): no branch on the data, and vector instructions. Each row's leaf values into `values`
 * (a row of n_trees a row, from row `start`; unless NULL, else into `scratch`), its leaf ids into `leaves`
 * ((trees, rows), unless NULL), its log-odds into raw (unless NULL). */
static void test_rows_plain(const Forest *f, const double *X, Py_ssize_t columns, Py_ssize_t rows, Py_ssize_t start,
                            Py_ssize_t stop, double *xt, double *values, double *scratch, int64_t *leaves,
                            double *raw) {
    Py_ssize_t n = stop - start, used = f->min_columns, n_trees = f->n_trees;
    double *v = values ? values + start * n_trees : scratch;
    transpose_plain(X, columns, start, n, (n + HALF - 1) / HALF * HALF, used, xt);
    for (Py_ssize_t t = 0; t < n_trees; t++) {
        const Test *first = f->tests + f->tests_at[t], *last = f->tests + f->tests_at[t + 1];
        for (Py_ssize_t r0 = 0; r0 < n; r0 += HALF) { /* (half a block at a time: HALF rows of the SIDE) */
            uint64_t possible[HALF];
            test_side(first, last, xt + r0 / SIDE * SIDE * used + r0 % SIDE, possible);
            Py_ssize_t count = n - r0 < HALF ? n - r0 : HALF;
            leaves_of_sets(f, t, possible, count, count, v, n_trees, 1, leaves, rows, start, r0);
        }
    }
    if (raw)
        for (Py_ssize_t r = 0; r < n; r++) raw[start + r] = f->base + (0.0 + pairwise_sum(v + r * n_trees, n_trees));
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define HAVE_AVX2_BUILD 1
#include <immintrin.h>

/* The leaves in every tree of rows r0 .. r0 + in_block (in one block: `block`, 4 * (k - 1) < in_block <= 4 * k;
 * k a constant where it is inlined, the sets kept in registers; `full`: in_block == 4 * k): each test's threshold against four rows a vector.
 * Their values into `values` (a row of trees a row, from row `start`) unless NULL, else into `scratch` (tree after
 * tree, `upto` rows a tree; the padding rows up to a multiple of four too); their ids into `leaves` unless NULL. */
__attribute__((target("avx2"), always_inline)) static inline void block_avx2(
    const Forest *f, const double *block, Py_ssize_t r0, Py_ssize_t in_block, double *values, double *scratch,
    Py_ssize_t upto, int64_t *leaves, Py_ssize_t rows, Py_ssize_t start, const int k, const int full) {
    if (full) in_block = 4 * k; /* (the same number, a constant)*/
    const Test *test = f->tests;
    for (Py_ssize_t t = 0; t < f->n_trees; t++) {
        const Test *last = f->tests_end[t]; /* (tree t's tests: from where tree t - 1's ended) */
        __m256i sets[4];
        for (int h = 0; h < k; h++) sets[h] = _mm256_set1_epi64x(-1);
        for (; test < last; test += 2) { /* (two at a time: each tree has an even number) */
            for (int u = 0; u < 2; u++) {
                __m256d threshold = _mm256_broadcast_sd(test[u].threshold);
                __m256i keep = _mm256_castpd_si256(_mm256_broadcast_sd((const double *)test[u].keep));
                const double *x = block + test[u].at;
                for (int h = 0; h < k; h++) { /* threshold >= x: x <= threshold, false for NaN (ordered) */
                    __m256i left =
                        _mm256_castpd_si256(_mm256_cmp_pd(threshold, _mm256_loadu_pd(x + 4 * h), _CMP_GE_OQ));
                    sets[h] = _mm256_and_si256(sets[h], _mm256_or_si256(left, keep));
                }
            }
        }
        uint64_t possible[SIDE];
        for (int h = 0; h < k; h++)
            _mm256_storeu_si256((__m256i *)(possible + 4 * h), sets[h]);
        if (values) /* (the caller's rows: as many as there are) */
            leaves_of_sets(f, t, possible, in_block, in_block, values + start * f->n_trees, f->n_trees, 1, leaves,
                           rows, start, r0);
        else /* (the padding rows' values too: the sums go four rows at a time) */
            leaves_of_sets(f, t, possible, 4 * k, in_block, scratch, 1, upto, leaves, rows, start, r0);
    }
}

/* pairwise_sum of four rows at once: a[i * stride + k] is row k's i-th value (i < n); the same additions in the
 * same order in each lane. */
__attribute__((target("avx2"))) static __m256d pairwise_rows_avx2(const double *a, Py_ssize_t n, Py_ssize_t stride) {
    if (n < 8) {
        __m256d res = _mm256_setzero_pd();
        for (Py_ssize_t i = 0; i < n; i++) res = _mm256_add_pd(res, _mm256_loadu_pd(a + i * stride));
        return res;
    }
    if (n <= 128) {
        __m256d r[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) r[j] = _mm256_loadu_pd(a + j * stride);
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] = _mm256_add_pd(r[j], _mm256_loadu_pd(a + (i + j) * stride));
        __m256d res = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(r[0], r[1]), _mm256_add_pd(r[2], r[3])),
                                    _mm256_add_pd(_mm256_add_pd(r[4], r[5]), _mm256_add_pd(r[6], r[7])));
        for (; i < n; i++) res = _mm256_add_pd(res, _mm256_loadu_pd(a + i * stride));
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return _mm256_add_pd(pairwise_rows_avx2(a, n2, stride), pairwise_rows_avx2(a + n2 * stride, n - n2, stride));
}

/* test_rows with AVX2: four rows a vector, and a block's last rows (four or fewer) one vector; the rows copied
 * into xt four by four (4x4 transpositions). The same tests, the same sets, the same bits. */
__attribute__((target("avx2"))) static void test_rows_avx2(const Forest *f, const double *X, Py_ssize_t columns,
                                                           Py_ssize_t rows, Py_ssize_t start, Py_ssize_t stop,
                                                           double *xt, double *values, double *scratch,
                                                           int64_t *leaves, double *raw) {
    Py_ssize_t n = stop - start, upto = (n + 3) / 4 * 4, used = f->min_columns, n_trees = f->n_trees;
    Py_ssize_t used4 = used / 4 * 4;
    for (Py_ssize_t r = 0; r < upto; r += 4) { /* four rows (r % SIDE: 0, 4, 8 or 12) */
        const double *x[4];
        for (int k = 0; k < 4; k++) x[k] = X + (start + (r + k < n ? r + k : 0)) * columns;
        double *block = xt + (r / SIDE) * used * SIDE + r % SIDE;
        for (Py_ssize_t c = 0; c < used4; c += 4) {
            __m256d a = _mm256_loadu_pd(x[0] + c), b = _mm256_loadu_pd(x[1] + c);
            __m256d e = _mm256_loadu_pd(x[2] + c), d = _mm256_loadu_pd(x[3] + c);
            __m256d ab_even = _mm256_unpacklo_pd(a, b), ab_odd = _mm256_unpackhi_pd(a, b); /* a0 b0 a2 b2, a1 b1 a3 b3 */
            __m256d ed_even = _mm256_unpacklo_pd(e, d), ed_odd = _mm256_unpackhi_pd(e, d);
            _mm256_storeu_pd(block + c * SIDE, _mm256_permute2f128_pd(ab_even, ed_even, 0x20));
            _mm256_storeu_pd(block + (c + 1) * SIDE, _mm256_permute2f128_pd(ab_odd, ed_odd, 0x20));
            _mm256_storeu_pd(block + (c + 2) * SIDE, _mm256_permute2f128_pd(ab_even, ed_even, 0x31));
            _mm256_storeu_pd(block + (c + 3) * SIDE, _mm256_permute2f128_pd(ab_odd, ed_odd, 0x31));
        }
        for (Py_ssize_t c = used4; c < used; c++)
            for (int k = 0; k < 4; k++) block[c * SIDE + k] = x[k][c];
    }
    for (Py_ssize_t r0 = 0; r0 < n; r0 += SIDE) {
        const double *block = xt + r0 * used;
        Py_ssize_t in_block = n - r0 < SIDE ? n - r0 : SIDE;
        /* as many vectors as the block's rows need; whether they fill the last one (then no row is padding: the
         * rows' loops have a constant count) */
        switch ((in_block + 3) / 4 * 2 + (in_block % 4 == 0)) {
        case 9: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 4, 1); break;
        case 8: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 4, 0); break;
        case 7: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 3, 1); break;
        case 6: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 3, 0); break;
        case 5: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 2, 1); break;
        case 4: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 2, 0); break;
        case 3: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 1, 1); break;
        default: block_avx2(f, block, r0, in_block, values, scratch, upto, leaves, rows, start, 1, 0); break;
        }
    }
    if (!raw) return;
    if (values) {
        for (Py_ssize_t r = 0; r < n; r++)
            raw[start + r] = f->base + (0.0 + pairwise_sum(values + (start + r) * n_trees, n_trees));
        return;
    }
    /* scratch: tree after tree, upto rows a tree; four rows' sums at once, each lane pairwise_sum's additions */
    const __m256d base = _mm256_set1_pd(f->base), zero = _mm256_setzero_pd();
    for (Py_ssize_t r = 0; r < upto; r += 4) {
        double sums[4];
        _mm256_storeu_pd(sums, _mm256_add_pd(base, _mm256_add_pd(zero, pairwise_rows_avx2(scratch + r, n_trees, upto))));
        for (Py_ssize_t k = 0; k < 4 && r + k < n; k++) raw[start + r + k] = sums[k];
    }
}
#endif

/* test_rows_avx2 where the processor has AVX2 (and use_avx2 left it on), else test_rows_plain. */
static void (*test_rows)(const Forest *, const double *, Py_ssize_t, Py_ssize_t, Py_ssize_t, Py_ssize_t, double *,
                         double *, double *, int64_t *, double *) = test_rows_plain;

/* The same by walking each tree (a forest with a tree of over 64 leaves): x <= threshold goes left, anything
 * else (NaN too) right. */
static void walk_rows(const Forest *f, const double *X, Py_ssize_t columns, Py_ssize_t rows, Py_ssize_t start,
                      Py_ssize_t stop, double *v, int64_t *leaves) {
    Py_ssize_t n = stop - start;
    for (Py_ssize_t r = 0; r < n; r++) {
        const double *x = X + (start + r) * columns;
        for (Py_ssize_t t = 0; t < f->n_trees; t++) {
            int32_t node = f->roots[t];
            while (f->leaf_id[node] < 0) {
                const Node *at = f->nodes + node;
                node = at->child[!(x[at->feature] <= at->threshold)];
            }
            v[r * f->n_trees + t] = f->leaf_value[f->leaf_id[node]];
            if (leaves) leaves[t * rows + start + r] = f->leaf_id[node];
        }
    }
}

/* Rows [start, stop) of X: each row's leaf values (values, a row of n_trees), its leaf ids (leaves, a column of the
 * (trees, rows) table) and its log-odds (raw: base + its values added in numpy's order); any output may be NULL.
 * The scratch space: the rows' columns for test_rows (padded * min_columns doubles, padded: stop - start rounded
 * up to a multiple of SIDE) and their values when `values` is NULL (padded * n_trees doubles). */
static void evaluate_rows(const Forest *f, const double *X, Py_ssize_t columns, Py_ssize_t rows, Py_ssize_t start,
                          Py_ssize_t stop, double *raw, double *values, int64_t *leaves, double *xt,
                          double *row_values) {
    Py_ssize_t n_trees = f->n_trees;
    if (f->tests) {
        test_rows(f, X, columns, rows, start, stop, xt, values, row_values, leaves, raw);
        return;
    }
    double *v = values ? values + start * n_trees : row_values;
    walk_rows(f, X, columns, rows, start, stop, v, leaves);
    if (raw)
        for (Py_ssize_t r = 0; r < stop - start; r++)
            raw[start + r] = f->base + (0.0 + pairwise_sum(v + r * n_trees, n_trees));
}

/* evaluate(X, start, stop, raw, values, leaves): rows [start, stop) of X ((rows, columns) float64) into raw
 * ((rows,) float64), values ((rows, trees) float64) and leaves ((trees, rows) int64), each None or written. */
static PyObject *forest_evaluate(Forest *self, PyObject *args) {
    PyObject *x_obj, *outs[3];
    Py_ssize_t start, stop;
    if (!PyArg_ParseTuple(args, "OnnOOO:evaluate", &x_obj, &start, &stop, &outs[0], &outs[1], &outs[2]))
        return NULL;
    if (!self->roots) {
        PyErr_SetString(PyExc_ValueError, "evaluate: the Forest was not initialised");
        return NULL;
    }
    Py_buffer X, views[3];
    int have[3] = {0, 0, 0};
    PyObject *result = NULL;
    double *scratch = NULL;
    if (get_array(x_obj, &X, 2, 'd', 0, "evaluate: X") < 0) return NULL;
    Py_ssize_t rows = X.shape[0], columns = X.shape[1];
    if (columns < self->min_columns) {
        PyErr_Format(PyExc_ValueError, "evaluate: X has %zd columns, the trees test column %zd", columns,
                     self->min_columns - 1);
        goto done;
    }
    if (start < 0 || stop < start || stop > rows) {
        PyErr_SetString(PyExc_ValueError, "evaluate: 0 <= start <= stop <= rows expected");
        goto done;
    }
    static const char *names[3] = {"evaluate: raw", "evaluate: values", "evaluate: leaves"};
    const Py_ssize_t sizes[3] = {rows, rows * self->n_trees, rows * self->n_trees};
    for (int k = 0; k < 3; k++) {
        if (outs[k] == Py_None) continue;
        int ndim = k == 0 ? 1 : 2;
        if (get_array(outs[k], &views[k], ndim, k == 2 ? 'q' : 'd', 1, names[k]) < 0) goto done;
        have[k] = 1;
        if (views[k].len != sizes[k] * 8 || (k == 1 && views[k].shape[0] != rows) ||
            (k == 2 && views[k].shape[0] != self->n_trees)) {
            PyErr_Format(PyExc_ValueError, "%s: the shape does not fit X and the trees", names[k]);
            goto done;
        }
    }
    Py_ssize_t n = stop - start, padded = (n + SIDE - 1) / SIDE * SIDE, n_trees = self->n_trees;
    size_t bytes = ((size_t)padded * self->min_columns + (have[1] ? 0 : (size_t)padded * n_trees)) * sizeof(double);
    if (!(scratch = PyMem_Malloc(bytes + 8))) {
        PyErr_NoMemory();
        goto done;
    }
    double *xt = scratch, *row_values = xt + padded * self->min_columns;
    double *raw = have[0] ? views[0].buf : NULL, *values = have[1] ? views[1].buf : NULL;
    int64_t *leaves = have[2] ? views[2].buf : NULL;
    if (n * n_trees >= 1 << 16) { /* a big chunk: other threads may run meanwhile */
        Py_BEGIN_ALLOW_THREADS
        evaluate_rows(self, X.buf, columns, rows, start, stop, raw, values, leaves, xt, row_values);
        Py_END_ALLOW_THREADS
    } else {
        evaluate_rows(self, X.buf, columns, rows, start, stop, raw, values, leaves, xt, row_values);
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(scratch);
    for (int k = 0; k < 3; k++)
        if (have[k]) PyBuffer_Release(&views[k]);
    PyBuffer_Release(&X);
    return result;
}

static PyObject *forest_n_trees(Forest *self, void *Py_UNUSED(closure)) { return PyLong_FromSsize_t(self->n_trees); }

static PyMethodDef forest_methods[] = {
    {"evaluate", (PyCFunction)forest_evaluate, METH_VARARGS,
     "evaluate(X, start, stop, raw, values, leaves) -> None: rows [start, stop) of X walked through every tree; "
     "raw (rows,) float64, values (rows, trees) float64, leaves (trees, rows) int64: each None or written."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef forest_getset[] = {
    {"n_trees", (getter)forest_n_trees, NULL, "the number of trees", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ForestType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cleaner._trees_core.Forest",
    .tp_basicsize = sizeof(Forest),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A tree ensemble as flat tables (classifier.Trees._node_tables), walked per row.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)forest_init,
    .tp_dealloc = (destructor)forest_dealloc,
    .tp_methods = forest_methods,
    .tp_getset = forest_getset,
};

/* ---- stage 2 ---------------------------------------------------------------------------------------------- */

#define S2_COLUMNS 21

/* np.minimum of two float64 (NaN wins, as numpy's). */
static inline double min_nan(double a, double b) { return isnan(a) || a <= b ? a : b; }

/* stage2(p1, words, out, alone): classifier.stage2_features' columns for stage-1 scores p1 ((n,) float64) and
 * each block's number of words (a sequence of n ints) into out ((n, 21) float64). The containers' columns (11,
 * 12) are those of blocks each alone in its group: p1 and `alone` (log1p(1), as the Python code has it). */
static PyObject *stage2(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *p_obj, *words_obj, *out_obj;
    double alone;
    if (!PyArg_ParseTuple(args, "OOOd:stage2", &p_obj, &words_obj, &out_obj, &alone)) return NULL;
    Py_buffer P, O;
    PyObject *result = NULL, *words = NULL;
    double *cs = NULL, *totals = NULL;
    Py_ssize_t *region = NULL, *span_lo = NULL, *span_hi = NULL, *kept_before = NULL;
    if (get_array(p_obj, &P, 1, 'd', 0, "stage2: p1") < 0) return NULL;
    if (get_array(out_obj, &O, 2, 'd', 1, "stage2: out") < 0) {
        PyBuffer_Release(&P);
        return NULL;
    }
    Py_ssize_t n = P.shape[0];
    if (O.shape[0] != n || O.shape[1] != S2_COLUMNS) {
        PyErr_SetString(PyExc_ValueError, "stage2: out must be (len(p1), 21)");
        goto done;
    }
    if (!(words = PySequence_Fast(words_obj, "stage2: words must be a sequence"))) goto done;
    if (PySequence_Fast_GET_SIZE(words) != n) {
        PyErr_SetString(PyExc_ValueError, "stage2: one number of words a block");
        goto done;
    }
    size_t m = (size_t)n + 1;
    cs = PyMem_Malloc(m * sizeof(double));
    totals = PyMem_Malloc(m * sizeof(double));
    region = PyMem_Malloc(m * sizeof(Py_ssize_t));
    span_lo = PyMem_Malloc(m * sizeof(Py_ssize_t));
    span_hi = PyMem_Malloc(m * sizeof(Py_ssize_t));
    kept_before = PyMem_Malloc(m * sizeof(Py_ssize_t));
    if (!cs || !totals || !region || !span_lo || !span_hi || !kept_before) {
        PyErr_NoMemory();
        goto done;
    }
    const double *p = P.buf;
    double *out = O.buf;
    /* the kept blocks (p1 < 0.5) and their regions: kept blocks at most 2 apart and what lies between them,
     * each weighing its kept blocks' words (_region_runs, gap 2) */
    Py_ssize_t n_regions = 0, last = -1, kept = 0;
    long long kept_sum = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        region[i] = -1;
        kept_before[i] = kept;
        if (!(p[i] < 0.5)) continue;
        long long w = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(words, i));
        if (w == -1 && PyErr_Occurred()) goto done;
        if (last < 0 || i - last > 3) {
            totals[n_regions] = 0.0;
            span_lo[n_regions] = span_hi[n_regions] = i;
            n_regions++;
        } else {
            for (Py_ssize_t j = last + 1; j < i; j++) region[j] = n_regions - 1;
            span_hi[n_regions - 1] = i;
        }
        region[i] = n_regions - 1;
        totals[n_regions - 1] += (double)w;
        last = i;
        kept++;
        kept_sum += i;
    }
    kept_before[n] = kept;
    double total = 0.0;
    Py_ssize_t main = -1;
    for (Py_ssize_t r = 0; r < n_regions; r++) {
        total += totals[r];
        if (main < 0 || totals[r] > totals[main]) main = r; /* the first of equals */
    }
    if (total < 1.0) total = 1.0;
    long long main_lo = main >= 0 ? span_lo[main] : 1000000000LL, main_hi = main >= 0 ? span_hi[main] : -1;
    double n_keep = (double)(kept > 1 ? kept : 1);
    double mean_kept = kept ? (double)kept_sum / (double)kept / (double)n : -1.0;
    double doc_mean = (0.0 + pairwise_sum(p, n)) / (double)n;
    /* cumulative sums of p1 (np.cumsum: the first value as it is, then each added in order) */
    cs[0] = 0.0;
    if (n > 0) cs[1] = p[0];
    for (Py_ssize_t i = 1; i < n; i++) cs[i + 1] = cs[i] + p[i];
    static const Py_ssize_t widths[4] = {1, 3, 8, 20};
    for (Py_ssize_t i = 0; i < n; i++) {
        double *o = out + i * S2_COLUMNS;
        o[0] = p[i];
        o[1] = i >= 2 ? p[i - 2] : 0.5;
        o[2] = i >= 1 ? p[i - 1] : 0.5;
        o[3] = i + 1 < n ? p[i + 1] : 0.5;
        o[4] = i + 2 < n ? p[i + 2] : 0.5;
        for (int k = 0; k < 4; k++) {
            Py_ssize_t lo = i - widths[k] > 0 ? i - widths[k] : 0;
            Py_ssize_t hi = i + widths[k] + 1 < n ? i + widths[k] + 1 : n;
            o[5 + k] = (cs[hi] - cs[lo]) / (double)(hi - lo);
        }
        /* the minima of the 5 before and the 5 after, inf past either end, as the numpy code pairs them:
         * min(min(min(a, b), min(c, d)), e) */
        double a[5];
        for (int k = 0; k < 5; k++) a[k] = i - 5 + k >= 0 ? p[i - 5 + k] : INFINITY;
        o[9] = i == 0 ? 1.0 : min_nan(min_nan(min_nan(a[0], a[1]), min_nan(a[2], a[3])), a[4]);
        for (int k = 0; k < 5; k++) a[k] = i + 1 + k < n ? p[i + 1 + k] : INFINITY;
        o[10] = i == n - 1 ? 1.0 : min_nan(min_nan(min_nan(a[0], a[1]), min_nan(a[2], a[3])), a[4]);
        o[11] = p[i];
        o[12] = alone;
        o[13] = doc_mean;
        o[14] = mean_kept - (double)i / (double)n;
        o[15] = (double)kept_before[i] / n_keep;
        o[16] = (double)(kept - kept_before[i + 1]) / n_keep;
        o[17] = region[i] >= 0 ? totals[region[i]] / total : 0.0;
        long long outside = main_lo - i > i - main_hi ? main_lo - i : i - main_hi;
        o[18] = outside <= 0 ? 1.0 : 0.0;
        o[19] = (double)(outside < 0 ? 0 : outside > 50 ? 50 : outside);
        o[20] = (double)n_regions;
    }
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(words);
    PyMem_Free(cs);
    PyMem_Free(totals);
    PyMem_Free(region);
    PyMem_Free(span_lo);
    PyMem_Free(span_hi);
    PyMem_Free(kept_before);
    PyBuffer_Release(&P);
    PyBuffer_Release(&O);
    return result;
}

/* ---- context windows -------------------------------------------------------------------------------------- */

#define MAX_SPANS 16

/* A tuple of at most MAX_SPANS ints into `into`; its length, or -1 with an exception. */
static Py_ssize_t int_tuple(PyObject *tuple, Py_ssize_t *into, const char *what) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) > MAX_SPANS) {
        PyErr_Format(PyExc_ValueError, "context: %s must be a tuple of at most %d ints", what, MAX_SPANS);
        return -1;
    }
    Py_ssize_t k = PyTuple_GET_SIZE(tuple);
    for (Py_ssize_t j = 0; j < k; j++) {
        into[j] = PyLong_AsSsize_t(PyTuple_GET_ITEM(tuple, j));
        if (into[j] == -1 && PyErr_Occurred()) return -1;
    }
    return k;
}

/* context(core, windows, out, offsets, widths): classifier._context. core (n, k) and windows (n, m) float64;
 * out (n, len(offsets) * k + len(widths) * m): each offset's neighbour's core features (-1.0 past either end),
 * then each width's window means of the windows' columns (blocks i - width .. i + width within the document). */
static PyObject *context(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *core_obj, *win_obj, *out_obj, *offsets_obj, *widths_obj;
    if (!PyArg_ParseTuple(args, "OOOOO:context", &core_obj, &win_obj, &out_obj, &offsets_obj, &widths_obj))
        return NULL;
    Py_ssize_t offsets[MAX_SPANS], widths[MAX_SPANS];
    Py_ssize_t n_off = int_tuple(offsets_obj, offsets, "offsets");
    if (n_off < 0) return NULL;
    Py_ssize_t n_wid = int_tuple(widths_obj, widths, "widths");
    if (n_wid < 0) return NULL;
    for (Py_ssize_t j = 0; j < n_wid; j++)
        if (widths[j] < 0) {
            PyErr_SetString(PyExc_ValueError, "context: a negative width");
            return NULL;
        }
    Py_buffer C, W, O;
    PyObject *result = NULL;
    double *cs = NULL;
    if (get_array(core_obj, &C, 2, 'd', 0, "context: core") < 0) return NULL;
    if (get_array(win_obj, &W, 2, 'd', 0, "context: windows") < 0) {
        PyBuffer_Release(&C);
        return NULL;
    }
    if (get_array(out_obj, &O, 2, 'd', 1, "context: out") < 0) {
        PyBuffer_Release(&C);
        PyBuffer_Release(&W);
        return NULL;
    }
    Py_ssize_t n = C.shape[0], k = C.shape[1], m = W.shape[1], width = n_off * k + n_wid * m;
    if (W.shape[0] != n || O.shape[0] != n || O.shape[1] != width) {
        PyErr_SetString(PyExc_ValueError, "context: core, windows and out must have the same rows, and out "
                                          "len(offsets) * core's columns + len(widths) * windows' columns");
        goto done;
    }
    if (!(cs = PyMem_Malloc(((size_t)n + 1) * (m ? m : 1) * sizeof(double)))) {
        PyErr_NoMemory();
        goto done;
    }
    const double *core = C.buf, *win = W.buf;
    double *out = O.buf;
    /* cumulative sums down each column (np.cumsum(axis=0) after a row of zeros) */
    for (Py_ssize_t c = 0; c < m; c++) cs[c] = 0.0;
    if (n > 0) memcpy(cs + m, win, m * sizeof(double));
    for (Py_ssize_t r = 1; r < n; r++)
        for (Py_ssize_t c = 0; c < m; c++) cs[(r + 1) * m + c] = cs[r * m + c] + win[r * m + c];
    for (Py_ssize_t i = 0; i < n; i++) {
        double *o = out + i * width;
        for (Py_ssize_t j = 0; j < n_off; j++, o += k) {
            Py_ssize_t at = i + offsets[j];
            if (at >= 0 && at < n)
                memcpy(o, core + at * k, k * sizeof(double));
            else
                for (Py_ssize_t c = 0; c < k; c++) o[c] = -1.0;
        }
        for (Py_ssize_t j = 0; j < n_wid; j++, o += m) window_means(o, cs, m, i, n, widths[j]);
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(cs);
    PyBuffer_Release(&C);
    PyBuffer_Release(&W);
    PyBuffer_Release(&O);
    return result;
}

/* ---- path attribution ------------------------------------------------------------------------------------ */

/* attribute(leaves, path_feature, path_delta, path_length, out): Trees.attribute's contributions into out ((rows,
 * n_feat) float64). leaves: int64 (rows * trees), each row's leaf in each tree (tree * 64 + leaf number), row after
 * row; path_feature (int64) and path_delta (float64): (depth, leaves) the feature tested and the change of value at
 * each step of each leaf's path; path_length: each leaf's number of steps. The numpy code's sums: per (step,
 * feature) the changes of the row's trees in tree order from 0.0 (its bincount), then those of the steps added in
 * step order from 0.0, over as many steps as the longest path among all the rows' leaves. */
static PyObject *attribute(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *leaves_obj, *feat_obj, *delta_obj, *len_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOOOO:attribute", &leaves_obj, &feat_obj, &delta_obj, &len_obj, &out_obj))
        return NULL;
    Py_buffer L, F, D, N, O;
    PyObject *result = NULL;
    double *acc = NULL;
    int got = 0;
    if (get_array(leaves_obj, &L, 1, 'q', 0, "attribute: leaves") < 0) goto done;
    got = 1;
    if (get_array(feat_obj, &F, 2, 'q', 0, "attribute: path_feature") < 0) goto done;
    got = 2;
    if (get_array(delta_obj, &D, 2, 'd', 0, "attribute: path_delta") < 0) goto done;
    got = 3;
    if (get_array(len_obj, &N, 1, 'q', 0, "attribute: path_length") < 0) goto done;
    got = 4;
    if (get_array(out_obj, &O, 2, 'd', 1, "attribute: out") < 0) goto done;
    got = 5;
    Py_ssize_t rows = O.shape[0], n_feat = O.shape[1], depth_max = F.shape[0], n_leaf = F.shape[1];
    if (D.shape[0] != depth_max || D.shape[1] != n_leaf || N.shape[0] != n_leaf || rows == 0 ||
        L.shape[0] % rows != 0) {
        if (rows == 0 && L.shape[0] == 0) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        PyErr_SetString(PyExc_ValueError, "attribute: the paths' tables and out do not fit the leaves");
        goto done;
    }
    const int64_t *leaf = L.buf, *feature = F.buf, *length = N.buf;
    const double *delta = D.buf;
    double *out = O.buf;
    Py_ssize_t trees = L.shape[0] / rows, depth = 0;
    for (Py_ssize_t k = 0; k < L.shape[0]; k++) {
        if (leaf[k] < 0 || leaf[k] >= n_leaf || length[leaf[k]] < 0 || length[leaf[k]] > depth_max) {
            PyErr_SetString(PyExc_ValueError, "attribute: a leaf or a path length out of range");
            goto done;
        }
        if (length[leaf[k]] > depth) depth = length[leaf[k]];
    }
    if (!(acc = PyMem_Malloc(((size_t)(depth ? depth : 1)) * n_feat * sizeof(double)))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < rows; r++) {
        for (Py_ssize_t c = 0; c < depth * n_feat; c++) acc[c] = 0.0;
        for (Py_ssize_t t = 0; t < trees; t++) {
            int64_t j = leaf[r * trees + t];
            for (int64_t d = 0; d < length[j]; d++) {
                int64_t f = feature[d * n_leaf + j];
                if (f < 0 || f >= n_feat) {
                    PyErr_SetString(PyExc_ValueError, "attribute: a path's feature out of range");
                    goto done;
                }
                acc[d * n_feat + f] += delta[d * n_leaf + j];
            }
        }
        double *o = out + r * n_feat;
        for (Py_ssize_t c = 0; c < n_feat; c++) {
            double sum = 0.0;
            for (Py_ssize_t d = 0; d < depth; d++) sum += acc[d * n_feat + c];
            o[c] = sum;
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(acc);
    if (got >= 5) PyBuffer_Release(&O);
    if (got >= 4) PyBuffer_Release(&N);
    if (got >= 3) PyBuffer_Release(&D);
    if (got >= 2) PyBuffer_Release(&F);
    if (got >= 1) PyBuffer_Release(&L);
    return result;
}

/* rank(signed, k) -> list: per row of signed ((rows, n) float64), the columns of its positive values, largest
 * first, at most k of them: what classifier._ranked's numpy code (argpartition of the k largest, then a stable
 * argsort) puts before its first value <= 0, the only part a reason reads. None for a row where that order is
 * not settled by the values alone (two equal among its k + 1 largest positive values: numpy's order of ties
 * depends on argpartition's; a NaN anywhere in the row): the caller asks numpy for that row. */
static PyObject *rank(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *signed_obj;
    Py_ssize_t k;
    if (!PyArg_ParseTuple(args, "On:rank", &signed_obj, &k)) return NULL;
    if (k < 1 || k > 64) {
        PyErr_SetString(PyExc_ValueError, "rank: 1 <= k <= 64 expected");
        return NULL;
    }
    Py_buffer S;
    if (get_array(signed_obj, &S, 2, 'd', 0, "rank: signed") < 0) return NULL;
    Py_ssize_t rows = S.shape[0], n = S.shape[1];
    const double *values = S.buf;
    PyObject *out = PyList_New(rows);
    for (Py_ssize_t r = 0; out && r < rows; r++) {
        const double *v = values + r * n;
        double top[65];
        Py_ssize_t at[65], have = 0;
        int unsettled = 0;
        for (Py_ssize_t j = 0; j < n; j++) {
            double x = v[j];
            if (isnan(x)) {
                unsettled = 1;
                break;
            }
            if (!(x > 0.0) || (have == k + 1 && x <= top[k])) continue; /* (k + 1 kept: ties at the k-th) */
            Py_ssize_t q = have < k + 1 ? have++ : k;
            while (q > 0 && top[q - 1] < x) { /* after the equal ones: j in order among ties (checked below) */
                top[q] = top[q - 1];
                at[q] = at[q - 1];
                q--;
            }
            top[q] = x;
            at[q] = j;
        }
        for (Py_ssize_t q = 1; q < have && !unsettled; q++) unsettled = top[q] == top[q - 1];
        PyObject *row;
        if (unsettled) {
            row = Py_NewRef(Py_None);
        } else {
            Py_ssize_t m = have < k ? have : k;
            row = PyList_New(m);
            for (Py_ssize_t q = 0; row && q < m; q++) {
                PyObject *index = PyLong_FromSsize_t(at[q]);
                if (!index) Py_CLEAR(row);
                else PyList_SET_ITEM(row, q, index);
            }
        }
        if (!row) Py_CLEAR(out);
        else PyList_SET_ITEM(out, r, row);
    }
    PyBuffer_Release(&S);
    return out;
}

/* logistic(e) -> None: e ((n,) float64, written) made 1.0 / (1.0 + e) in place: classifier._sigmoid's last two
 * numpy operations (an IEEE addition and division, the same in C), after numpy's own np.exp(-z). */
static PyObject *logistic(PyObject *Py_UNUSED(module), PyObject *arg) {
    Py_buffer E;
    if (get_array(arg, &E, 1, 'd', 1, "logistic: e") < 0) return NULL;
    double *e = E.buf;
    for (Py_ssize_t i = 0; i < E.shape[0]; i++) e[i] = 1.0 / (1.0 + e[i]);
    PyBuffer_Release(&E);
    Py_RETURN_NONE;
}

/* use_avx2(on) -> bool: the trees' AVX2 loops on (where the processor has AVX2) or off (the SSE2 or plain loops);
 * whether they were on (the tests run both and compare). */
static PyObject *use_avx2(PyObject *Py_UNUSED(module), PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    int was = test_rows != test_rows_plain;
#ifdef HAVE_AVX2_BUILD
    __builtin_cpu_init();
    on = on && __builtin_cpu_supports("avx2");
    test_rows = on ? test_rows_avx2 : test_rows_plain;
#endif
    return PyBool_FromLong(was);
}

/* ---- the module ------------------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"stage2", stage2, METH_VARARGS,
     "stage2(p1, words, out, alone) -> None: classifier.stage2_features' columns into out ((n, 21) float64), "
     "every block alone in its container (columns 11 and 12: p1 and `alone`)."},
    {"attribute", attribute, METH_VARARGS,
     "attribute(leaves, path_feature, path_delta, path_length, out) -> None: Trees.attribute's path attribution "
     "of each row into out ((rows, n_feat) float64), summed in the numpy code's order."},
    {"logistic", logistic, METH_O,
     "logistic(e) -> None: e (float64, 1-D, written) made 1.0 / (1.0 + e) in place (classifier._sigmoid after "
     "np.exp)."},
    {"rank", rank, METH_VARARGS,
     "rank(signed, k) -> list: per row, the columns of its positive values largest first (at most k), as "
     "classifier._ranked orders them before its first value <= 0; None for a row with ties or a NaN among them."},
    {"use_avx2", use_avx2, METH_O,
     "use_avx2(on) -> bool: the trees' AVX2 loops on or off (where the processor has AVX2); the old state."},
    {"context", context, METH_VARARGS,
     "context(core, windows, out, offsets, widths) -> None: classifier._context's neighbours and window means "
     "into out."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_trees_core",
                                    "The block classifier's trees and stage-2 features, compiled (see "
                                    "cleaner/classifier.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__trees_core(void) {
#ifdef HAVE_AVX2_BUILD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) test_rows = test_rows_avx2;
#endif
    if (PyType_Ready(&ForestType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Forest", (PyObject *)&ForestType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
