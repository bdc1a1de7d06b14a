/* The language scorer's per-character loops, compiled: langdetect's n-gram extraction, its sampling trials and
 * the naive-Bayes pre-check, over langdetect's own profiles (handed over once by cleaner/scorers/language.py).
 *
 * Why: in Python these loops cost about 1-2 ms per news article however they are vectorised (numpy's per-call
 * overhead on small arrays, a dict lookup per word); here they are plain loops. language.py keeps the Python
 * versions as the reference and the fallback (no C compiler at install time): tests/test_language.py checks
 * that both give the same bytes and floats, and that these give langdetect's own probabilities exactly (the
 * products, sums and divisions are done in langdetect's order, in double precision; the pre-check's sums in
 * float32 in the order numpy sums them).
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only,
 * buffers through the buffer protocol (no numpy headers). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- the profiles: n-gram codes -> profile rows (open addressing), P(n-gram | language) tables ---------- */

typedef struct {
    int64_t *keys; /* 0: an empty slot (an n-gram code is never 0) */
    int32_t *values;
    uint64_t mask;
    int bits;
    Py_buffer prob;     /* float64 (grams, langs): langdetect's word_lang_prob_map as rows */
    Py_buffer log_prob; /* float32 (grams, langs): the pre-check's log(prob + smoothing) */
    Py_ssize_t n_grams;
    Py_ssize_t n_langs;
    int ready;
} Profiles;

static Profiles P;
static void cache_free(void); /* the pre-check's rows of words, kept across calls (below) */
static void grams_free(void); /* the n-gram rows of words, kept across calls (below) */

static inline uint64_t slot_of(int64_t code) {
    return ((uint64_t)code * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - P.bits);
}

static inline int32_t row_of(int64_t code) {
    uint64_t s = slot_of(code);
    for (;;) {
        int64_t k = P.keys[s];
        if (k == code) return P.values[s];
        if (k == 0) return -1;
        s = (s + 1) & P.mask;
    }
}

static void free_profiles(void) {
    if (!P.ready) return;
    free(P.keys);
    free(P.values);
    PyBuffer_Release(&P.prob);
    PyBuffer_Release(&P.log_prob);
    memset(&P, 0, sizeof(P));
}

static PyObject *set_profiles(PyObject *self, PyObject *args) {
    Py_buffer codes, rows, prob, log_prob;
    Py_ssize_t n_langs;
    if (!PyArg_ParseTuple(args, "y*y*y*y*n", &codes, &rows, &prob, &log_prob, &n_langs)) return NULL;
    Py_ssize_t n = codes.len / 8;
    PyObject *result = NULL;
    if (rows.len != n * 4 || n_langs <= 0 || prob.len != n * n_langs * 8 || log_prob.len != n * n_langs * 4) {
        PyErr_SetString(PyExc_ValueError, "profiles: codes int64, rows int32, prob float64 and log_prob float32 "
                                          "must describe the same n-grams");
        goto done;
    }
    free_profiles();
    cache_free(); /* rows of the old profiles */
    grams_free();
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * n) bits++;
    size_t size = (size_t)1 << bits;
    P.keys = calloc(size, sizeof(int64_t));
    P.values = malloc(size * sizeof(int32_t));
    if (!P.keys || !P.values) {
        free(P.keys);
        free(P.values);
        memset(&P, 0, sizeof(P));
        PyErr_NoMemory();
        goto done;
    }
    P.bits = bits;
    P.mask = size - 1;
    const int64_t *c = codes.buf;
    const int32_t *r = rows.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint64_t s = slot_of(c[i]);
        while (P.keys[s] != 0 && P.keys[s] != c[i]) s = (s + 1) & P.mask;
        P.keys[s] = c[i];
        P.values[s] = r[i];
    }
    /* the two tables stay borrowed for the life of the process (PyArg's y* buffers are released below) */
    if (PyObject_GetBuffer(prob.obj, &P.prob, PyBUF_SIMPLE) < 0) goto done;
    if (PyObject_GetBuffer(log_prob.obj, &P.log_prob, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&P.prob);
        goto done;
    }
    P.n_grams = n;
    P.n_langs = n_langs;
    P.ready = 1;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&rows);
    PyBuffer_Release(&prob);
    PyBuffer_Release(&log_prob);
    return result;
}

static int need_profiles(void) {
    if (P.ready) return 1;
    PyErr_SetString(PyExc_RuntimeError, "set_profiles() has not been called");
    return 0;
}

/* ---- n-grams of one word, as language.py's _word_rows finds them -------------------------------------- */

/* The profile rows of the n-grams of " word" (+ " " when `trailing_space`): those of lengths 1-3 ending at
 * each character after the leading space, except the lone space and except at a capital that follows a
 * capital. `emit(row, ctx)` receives them in langdetect's order. */
typedef void (*emit_fn)(int32_t row, void *ctx);

static inline int is_upper(Py_UCS4 ch) { /* str.isupper() of one character */
    return ch < 128 ? (ch >= 'A' && ch <= 'Z') : Py_UNICODE_ISUPPER(ch);
}

static void word_grams(int kind, const void *data, Py_ssize_t start, Py_ssize_t end, int trailing_space,
                       emit_fn emit, void *ctx) {
    Py_ssize_t len = end - start + 1 + (trailing_space ? 1 : 0); /* the padded word */
    Py_UCS4 prev2 = 0, prev1 = ' ';
    for (Py_ssize_t e = 1; e < len; e++) {
        Py_UCS4 ch = (start + e - 1 < end) ? PyUnicode_READ(kind, data, start + e - 1) : ' ';
        int skip = is_upper(ch) && is_upper(prev1);
        if (!skip) {
            int64_t one = (int64_t)ch + 1;
            if (ch != ' ') {
                int32_t row = row_of(one);
                if (row >= 0) emit(row, ctx);
            }
            int64_t two = (((int64_t)prev1 + 1) << 21) | one;
            int32_t row = row_of(two);
            if (row >= 0) emit(row, ctx);
            if (e >= 2) {
                int64_t three = (((int64_t)prev2 + 1) << 42) | two;
                row = row_of(three);
                if (row >= 0) emit(row, ctx);
            }
        }
        prev2 = prev1;
        prev1 = ch;
    }
}

typedef struct {
    int32_t *rows;
    Py_ssize_t n, cap;
    int failed;
} RowList;

static void push_row(int32_t row, void *ctx) {
    RowList *list = ctx;
    if (list->failed) return;
    if (list->n == list->cap) {
        Py_ssize_t cap = list->cap ? 2 * list->cap : 1024;
        int32_t *grown = realloc(list->rows, cap * sizeof(int32_t));
        if (!grown) {
            list->failed = 1;
            return;
        }
        list->rows = grown;
        list->cap = cap;
    }
    list->rows[list->n++] = row;
}

/* ngram_rows(text) -> bytes: the int32 profile rows of langdetect's n-gram list for normalised text, as
 * language.py's _rows_of_words: the words split at single spaces, each but the last followed by a space. */
static PyObject *ngram_rows(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text) || !need_profiles()) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    RowList list = {0};
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || PyUnicode_READ(kind, data, i) == ' ') {
            word_grams(kind, data, start, i, i < n, push_row, &list);
            start = i + 1;
        }
    }
    if (list.failed) {
        free(list.rows);
        return PyErr_NoMemory();
    }
    PyObject *out = PyBytes_FromStringAndSize((const char *)list.rows, list.n * (Py_ssize_t)sizeof(int32_t));
    free(list.rows);
    return out;
}

/* ---- the text as langdetect prepares it ---------------------------------------------------------------- */

/* NGram.normalize of each Basic Multilingual Plane character, asked of language.py's table (a dict that
 * computes missing characters with NGram.normalize) on first sight and kept: 0xFFFFFFFF while unknown. Other
 * characters are asked every time (rare). */
static uint32_t *NORMALISED;

static int normalised_slow(PyObject *mapping, Py_UCS4 ch, Py_UCS4 *out) {
    if (ch < 0x10000 && NORMALISED && NORMALISED[ch] != 0xFFFFFFFF) {
        *out = NORMALISED[ch];
        return 0;
    }
    PyObject *key = PyLong_FromUnsignedLong(ch);
    PyObject *value = key ? PyObject_GetItem(mapping, key) : NULL;
    Py_XDECREF(key);
    if (!value) return -1;
    if (!PyUnicode_Check(value) || PyUnicode_GET_LENGTH(value) != 1) {
        Py_DECREF(value);
        PyErr_SetString(PyExc_ValueError, "normalise: the table must map a character to one character");
        return -1;
    }
    *out = PyUnicode_READ_CHAR(value, 0);
    Py_DECREF(value);
    if (ch < 0x10000) {
        if (!NORMALISED) {
            NORMALISED = malloc(0x10000 * sizeof(uint32_t));
            if (!NORMALISED) {
                PyErr_NoMemory();
                return -1;
            }
            memset(NORMALISED, 0xFF, 0x10000 * sizeof(uint32_t));
        }
        NORMALISED[ch] = *out;
    }
    return 0;
}

/* (the table's known characters without a call: all of the Basic Multilingual Plane once set_normalised ran) */
static inline int normalised_of(PyObject *mapping, Py_UCS4 ch, Py_UCS4 *out) {
    if (ch < 0x10000 && NORMALISED && NORMALISED[ch] != 0xFFFFFFFF) {
        *out = NORMALISED[ch];
        return 0;
    }
    return normalised_slow(mapping, ch, out);
}

/* set_normalised(table): NGram.normalize of every Basic Multilingual Plane character at once (uint32 code points,
 * 65536 of them), worked out by language.py when it loads the profiles: no character is then asked of Python. */
static PyObject *set_normalised(PyObject *self, PyObject *args) {
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "y*", &table)) return NULL;
    PyObject *result = NULL;
    if (table.len != 0x10000 * (Py_ssize_t)sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "set_normalised: 65536 uint32 code points");
        goto done;
    }
    if (!NORMALISED && !(NORMALISED = malloc(0x10000 * sizeof(uint32_t)))) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(NORMALISED, table.buf, 0x10000 * sizeof(uint32_t));
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&table);
    return result;
}

/* normalise(text, table, keep_newlines) -> str: text.translate(table), each character mapped to one (language.py's
 * _NORMALISED); with keep_newlines, line breaks stay (its _NORMALISED_LINES). */
static PyObject *normalise(PyObject *self, PyObject *args) {
    PyObject *text, *mapping;
    int keep_newlines;
    if (!PyArg_ParseTuple(args, "UOp", &text, &mapping, &keep_newlines)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Py_UCS4 *buffer = PyMem_Malloc((n + 1) * sizeof(Py_UCS4));
    if (!buffer) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == '\n' && keep_newlines) {
            buffer[i] = ch;
        } else if (normalised_of(mapping, ch, buffer + i) < 0) {
            PyMem_Free(buffer);
            return NULL;
        }
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, n);
    PyMem_Free(buffer);
    return out;
}

/* prepare(text, limit) -> str | None: language.py's _prepare of a text without URLs and e-mail addresses (the
 * caller rules them out): None when the text has one of the combining marks NGram.normalize_vi composes (then
 * the Python code prepares it); else its first `limit` characters with runs of spaces made one, then the Latin
 * letters ('A' to 'z', as langdetect counts them) dropped when more than twice as many characters are of other
 * scripts (from U+0300 up, except U+1E00-U+1EFF). Give one character more than `limit`: a mark just after the
 * cut would compose with the character before it. */
/* language.py's _prepare (see `prepare`) of text into `buffer` (room for min(len, limit) characters): the
 * number of characters written, or -1 when the text has a mark NGram.normalize_vi composes. */
static Py_ssize_t prepare_into(PyObject *text, Py_ssize_t limit, Py_UCS4 *buffer) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = 0, latin = 0, other = 0;
    if (kind != PyUnicode_1BYTE_KIND) { /* (the marks are U+0300 and above) */
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (ch == 0x300 || ch == 0x301 || ch == 0x303 || ch == 0x309 || ch == 0x323) return -1;
        }
    }
    if (n > limit) n = limit < 0 ? 0 : limit;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == ' ' && m > 0 && buffer[m - 1] == ' ') continue;
        buffer[m++] = ch;
        latin += ch >= 'A' && ch <= 'z';
        other += ch >= 0x300 && !(ch >= 0x1e00 && ch <= 0x1eff);
    }
    if (other && 2 * latin < other) {
        Py_ssize_t k = 0;
        for (Py_ssize_t i = 0; i < m; i++)
            if (!(buffer[i] >= 'A' && buffer[i] <= 'z')) buffer[k++] = buffer[i];
        m = k;
    }
    return m;
}

static PyObject *prepare(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "Un", &text, &limit)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n > limit) n = limit < 0 ? 0 : limit;
    Py_UCS4 *buffer = PyMem_Malloc((n + 1) * sizeof(Py_UCS4));
    if (!buffer) return PyErr_NoMemory();
    Py_ssize_t m = prepare_into(text, limit, buffer);
    PyObject *out = m < 0 ? Py_NewRef(Py_None) : PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buffer, m);
    PyMem_Free(buffer);
    return out;
}

/* The profile rows of a word's n-grams when a space follows it (word_grams with trailing_space), kept across calls
 * up to GRAMS_MAX words (then emptied, at the start of a call): words recur, and a cached word costs a lookup and a
 * copy instead of three table lookups a character. */
#define GRAMS_MAX (1 << 16)
#define GRAMS_SLOTS (1 << 17)

typedef struct {
    uint64_t *hashes; /* GRAMS_SLOTS; 0: an empty slot */
    int32_t *entries; /* GRAMS_SLOTS: the word's number */
    size_t *key_at, *rows_at; /* GRAMS_MAX: where each word's characters and rows start in the arenas */
    int32_t *key_len, *rows_len;
    Py_UCS4 *keys;
    size_t keys_len, keys_cap;
    int32_t *rows;
    size_t rows_len_total, rows_cap;
    Py_ssize_t n;
} GramCache;

static GramCache GRAMS;

static void grams_free(void) {
    free(GRAMS.hashes);
    free(GRAMS.entries);
    free(GRAMS.key_at);
    free(GRAMS.rows_at);
    free(GRAMS.key_len);
    free(GRAMS.rows_len);
    free(GRAMS.keys);
    free(GRAMS.rows);
    memset(&GRAMS, 0, sizeof(GRAMS));
}

/* The cache, emptied when it could not take `words` more words; -1 without memory (then no caching). */
static int grams_ready(Py_ssize_t words) {
    if (!GRAMS.hashes) {
        GRAMS.hashes = calloc(GRAMS_SLOTS, sizeof(uint64_t));
        GRAMS.entries = malloc(GRAMS_SLOTS * sizeof(int32_t));
        GRAMS.key_at = malloc(GRAMS_MAX * sizeof(size_t));
        GRAMS.rows_at = malloc(GRAMS_MAX * sizeof(size_t));
        GRAMS.key_len = malloc(GRAMS_MAX * sizeof(int32_t));
        GRAMS.rows_len = malloc(GRAMS_MAX * sizeof(int32_t));
        if (!GRAMS.hashes || !GRAMS.entries || !GRAMS.key_at || !GRAMS.rows_at || !GRAMS.key_len || !GRAMS.rows_len) {
            grams_free();
            return -1;
        }
    }
    if (words > GRAMS_MAX) return -1;
    if (GRAMS.n + words > GRAMS_MAX) {
        memset(GRAMS.hashes, 0, GRAMS_SLOTS * sizeof(uint64_t));
        GRAMS.n = 0;
        GRAMS.keys_len = 0;
        GRAMS.rows_len_total = 0;
    }
    return 0;
}

/* The cached entry of the word, or -1 with *slot where it goes. */
static Py_ssize_t grams_find(const Py_UCS4 *key, Py_ssize_t len, uint64_t h, size_t *slot) {
    size_t s = h & (GRAMS_SLOTS - 1);
    while (GRAMS.hashes[s] != 0) {
        int32_t e = GRAMS.entries[s];
        if (GRAMS.hashes[s] == h && GRAMS.key_len[e] == len) {
            const Py_UCS4 *k = GRAMS.keys + GRAMS.key_at[e];
            Py_ssize_t i = 0;
            while (i < len && k[i] == key[i]) i++;
            if (i == len) return e;
        }
        s = (s + 1) & (GRAMS_SLOTS - 1);
    }
    *slot = s;
    return -1;
}

/* A new word at `slot` with its rows; 0, or -1 without memory (the cache is then left as it was). */
static int grams_add(const Py_UCS4 *key, Py_ssize_t len, uint64_t h, size_t slot, const int32_t *rows,
                     Py_ssize_t count) {
    if (GRAMS.keys_len + len > GRAMS.keys_cap) {
        size_t cap = GRAMS.keys_cap ? 2 * GRAMS.keys_cap : 1 << 16;
        while (GRAMS.keys_len + len > cap) cap *= 2;
        Py_UCS4 *grown = realloc(GRAMS.keys, cap * sizeof(Py_UCS4));
        if (!grown) return -1;
        GRAMS.keys = grown;
        GRAMS.keys_cap = cap;
    }
    if (GRAMS.rows_len_total + count > GRAMS.rows_cap) {
        size_t cap = GRAMS.rows_cap ? 2 * GRAMS.rows_cap : 1 << 18;
        while (GRAMS.rows_len_total + count > cap) cap *= 2;
        int32_t *grown = realloc(GRAMS.rows, cap * sizeof(int32_t));
        if (!grown) return -1;
        GRAMS.rows = grown;
        GRAMS.rows_cap = cap;
    }
    int32_t e = (int32_t)GRAMS.n++;
    memcpy(GRAMS.keys + GRAMS.keys_len, key, len * sizeof(Py_UCS4));
    GRAMS.key_at[e] = GRAMS.keys_len;
    GRAMS.key_len[e] = (int32_t)len;
    GRAMS.keys_len += len;
    memcpy(GRAMS.rows + GRAMS.rows_len_total, rows, count * sizeof(int32_t));
    GRAMS.rows_at[e] = GRAMS.rows_len_total;
    GRAMS.rows_len[e] = (int32_t)count;
    GRAMS.rows_len_total += count;
    GRAMS.hashes[slot] = h;
    GRAMS.entries[slot] = e;
    return 0;
}

static inline uint64_t hash_key(const Py_UCS4 *key, Py_ssize_t len) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (Py_ssize_t i = 0; i < len; i++) h = (h ^ key[i]) * UINT64_C(1099511628211);
    return h | 1;
}

/* Room for `more` rows in the list; -1 without memory. */
static int rows_room(RowList *list, Py_ssize_t more) {
    if (list->n + more <= list->cap) return 0;
    Py_ssize_t cap = list->cap ? 2 * list->cap : 1024;
    while (cap < list->n + more) cap *= 2;
    int32_t *grown = realloc(list->rows, cap * sizeof(int32_t));
    if (!grown) {
        list->failed = 1;
        return -1;
    }
    list->rows = grown;
    list->cap = cap;
    return 0;
}

/* sample_rows(text, limit, table) -> bytes | None: ngram_rows(normalise(prepare(text, limit), table, False)) in one
 * call, without the two strings between (None: prepare's None, Vietnamese marks to compose). */
static PyObject *sample_rows(PyObject *self, PyObject *args) {
    PyObject *text, *mapping;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(args, "UnO", &text, &limit, &mapping) || !need_profiles()) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (n > limit) n = limit < 0 ? 0 : limit;
    Py_UCS4 *buffer = PyMem_Malloc((n + 1) * sizeof(Py_UCS4));
    if (!buffer) return PyErr_NoMemory();
    PyObject *out = NULL;
    Py_ssize_t m = prepare_into(text, limit, buffer);
    if (m < 0) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t i = 0; i < m; i++)
        if (normalised_of(mapping, buffer[i], buffer + i) < 0) goto done;
    RowList list = {0};
    if (rows_room(&list, 3 * m + 1) < 0) { /* (at most three n-grams a character) */
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t start = 0;
    int cached = grams_ready(m / 2 + 1) == 0; /* (at most m / 2 + 1 words end in a space) */
    for (Py_ssize_t i = 0; i <= m; i++) {
        if (i < m && buffer[i] != ' ') continue;
        if (i == m || !cached) { /* the last word (no space after it), or no cache */
            word_grams(PyUnicode_4BYTE_KIND, buffer, start, i, i < m, push_row, &list);
        } else {
            const Py_UCS4 *key = buffer + start;
            Py_ssize_t len = i - start;
            uint64_t h = hash_key(key, len);
            size_t slot = 0;
            Py_ssize_t e = grams_find(key, len, h, &slot);
            if (e >= 0) {
                if (rows_room(&list, GRAMS.rows_len[e]) < 0) break;
                memcpy(list.rows + list.n, GRAMS.rows + GRAMS.rows_at[e], GRAMS.rows_len[e] * sizeof(int32_t));
                list.n += GRAMS.rows_len[e];
            } else {
                Py_ssize_t first = list.n;
                word_grams(PyUnicode_4BYTE_KIND, buffer, start, i, 1, push_row, &list);
                if (list.failed) break;
                if (grams_add(key, len, h, slot, list.rows + first, list.n - first) < 0) cached = 0;
            }
        }
        start = i + 1;
    }
    if (list.failed) {
        free(list.rows);
        PyErr_NoMemory();
        goto done;
    }
    out = PyBytes_FromStringAndSize((const char *)list.rows, list.n * (Py_ssize_t)sizeof(int32_t));
    free(list.rows);
done:
    PyMem_Free(buffer);
    return out;
}

/* ---- langdetect's sampling trials ------------------------------------------------------------------- */

/* random.Random.random() from the two stream words at pos */
static inline double random_at(const uint32_t *w, Py_ssize_t pos) {
    uint32_t a = w[pos] >> 5, b = w[pos + 1] >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

/* One sampled n-gram in a trial: prob[j] *= weight + p[j], each language's product as langdetect makes it (one
 * addition, one multiplication, rounded each: the same with 2 or 4 lanes, no fused multiply-add). The AVX version
 * is chosen at import where the processor has AVX (two thirds of the instructions of SSE2's). */
static void update_plain(double *prob, const double *p, double weight, Py_ssize_t L) {
    for (Py_ssize_t j = 0; j < L; j++) prob[j] *= weight + p[j];
}

#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_AVX_BUILD 1
__attribute__((target("avx"))) static void update_avx(double *prob, const double *p, double weight, Py_ssize_t L) {
    for (Py_ssize_t j = 0; j < L; j++) prob[j] *= weight + p[j];
}
#endif

static void (*update)(double *, const double *, double, Py_ssize_t) = update_plain;

/* langdetect's normalisation after an update: each prob[j] / sump, and the largest of them (`if maxp < q: maxp =
 * q`, so that a NaN is never the largest), two at a time: maxpd(q, m) is `q > m ? q : m`, the same test. */
static double divide_max(double *prob, Py_ssize_t L, double sump) {
    Py_ssize_t j = 0;
    double maxp = 0.0;
#if defined(__SSE2__)
    __m128d s = _mm_set1_pd(sump), m = _mm_setzero_pd();
    for (; j + 2 <= L; j += 2) {
        __m128d q = _mm_div_pd(_mm_loadu_pd(prob + j), s);
        m = _mm_max_pd(q, m);
        _mm_storeu_pd(prob + j, q);
    }
    double lanes[2];
    _mm_storeu_pd(lanes, m);
    maxp = lanes[0] < lanes[1] ? lanes[1] : lanes[0];
#endif
    for (; j < L; j++) {
        double q = prob[j] / sump;
        if (maxp < q) maxp = q;
        prob[j] = q;
    }
    return maxp;
}

/* probabilities(rows, words, trials, alpha, alpha_width, base_freq, conv_threshold, iteration_limit)
 *   -> list of floats (one a language) or None when the stream of words is too short (extend it, call again).
 * Detector._detect_block on the n-gram list `rows` (int32 profile rows), drawing from `words`, the uint32
 * outputs of random.Random(0) (langdetect re-seeds with 0): random.gauss and random.choice as CPython makes
 * them from those words. The operations are langdetect's, in its order. */
static PyObject *probabilities(PyObject *self, PyObject *args) {
    Py_buffer rows_buf, words_buf;
    int trials;
    double alpha, width, base_freq, conv;
    long limit;
    if (!PyArg_ParseTuple(args, "y*y*iddddl", &rows_buf, &words_buf, &trials, &alpha, &width, &base_freq, &conv,
                          &limit))
        return NULL;
    PyObject *result = NULL;
    double *prob = NULL, *total = NULL;
    const int32_t *rows = rows_buf.buf;
    Py_ssize_t n = rows_buf.len / 4;
    const uint32_t *w = words_buf.buf;
    Py_ssize_t nw = words_buf.len / 4;
    if (!need_profiles()) goto done;
    if (n <= 0 || trials <= 0) {
        PyErr_SetString(PyExc_ValueError, "probabilities: no n-grams or no trials");
        goto done;
    }
    Py_ssize_t L = P.n_langs;
    const double *table = P.prob.buf;
    prob = malloc(L * sizeof(double));
    total = calloc(L, sizeof(double));
    if (!prob || !total) {
        PyErr_NoMemory();
        goto done;
    }
    int bits = 0;
    while (bits < 32 && ((uint64_t)1 << bits) <= (uint64_t)n) bits++; /* n.bit_length() */
    int shift = 32 - bits;
    Py_ssize_t pos = 0;
    int have_next = 0;
    double gauss_next = 0.0;
    for (int t = 0; t < trials; t++) {
        double z;
        if (!have_next) { /* random.gauss: two random() calls, the second deviate kept */
            if (pos + 4 > nw) goto short_stream;
            double x2pi = random_at(w, pos) * (2.0 * 3.141592653589793);
            double g2rad = sqrt(-2.0 * log(1.0 - random_at(w, pos + 2)));
            pos += 4;
            z = cos(x2pi) * g2rad;
            gauss_next = sin(x2pi) * g2rad;
            have_next = 1;
        } else {
            z = gauss_next;
            have_next = 0;
        }
        double weight = (alpha + (0.0 + z * 1.0) * width) / base_freq;
        for (Py_ssize_t j = 0; j < L; j++) prob[j] = 1.0 / (double)L;
        for (long i = 0;; i++) {
            uint32_t r; /* random.choice: getrandbits(bits) until below n */
            do {
                if (pos >= nw) goto short_stream;
                r = w[pos++] >> shift;
            } while (r >= (uint64_t)n);
            if (rows[r] < 0 || rows[r] >= P.n_grams) { /* (checked as drawn: most rows are never drawn) */
                PyErr_SetString(PyExc_ValueError, "probabilities: a row outside the profiles");
                goto done;
            }
            const double *p = table + (Py_ssize_t)rows[r] * L;
            update(prob, p, weight, L);
            if (i % 5 == 0) {
                double sump = 0.0;
                for (Py_ssize_t j = 0; j < L; j++) sump += prob[j];
                if (divide_max(prob, L, sump) > conv || i >= limit) break;
            }
        }
        for (Py_ssize_t j = 0; j < L; j++) total[j] += prob[j] / (double)trials;
    }
    result = PyList_New(L);
    if (result) {
        for (Py_ssize_t j = 0; j < L; j++) {
            PyObject *f = PyFloat_FromDouble(total[j]);
            if (!f) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(result, j, f);
        }
    }
    goto done;
short_stream:
    result = Py_NewRef(Py_None);
done:
    free(prob);
    free(total);
    PyBuffer_Release(&rows_buf);
    PyBuffer_Release(&words_buf);
    return result;
}

/* ---- the pre-check: naive-Bayes log-likelihoods of each line's words ------------------------------------ */

/* numpy's sum of m float32 rows (columns c0 .. c0 + cw - 1 of each, cw <= PW_COLS) into out, in numpy's order
 * (its pairwise summation: eight running sums for up to 128 rows, halves beyond), so that the sums are the
 * Python code's to the bit. */
#define PW_COLS 64
#if defined(__SSE__)
#include <xmmintrin.h>
/* (four columns at a time, the eight running sums in registers: each column's additions are the same, in the same
 * order, as the scalar loops below; a float32 SSE addition rounds as a scalar one) */
static void pairwise_base(const float *const *rows, Py_ssize_t m, Py_ssize_t c0, Py_ssize_t cw, float *out) {
    if (m > 128) {
        Py_ssize_t half = m / 2;
        half -= half % 8;
        float right[PW_COLS];
        pairwise_base(rows, half, c0, cw, out);
        pairwise_base(rows + half, m - half, c0, cw, right);
        for (Py_ssize_t j = 0; j < cw; j++) out[j] += right[j];
        return;
    }
    Py_ssize_t j = 0;
    for (; j + 4 <= cw; j += 4) {
        const Py_ssize_t at = c0 + j;
        __m128 o;
        Py_ssize_t i;
        if (m < 8) {
            o = _mm_setzero_ps();
            i = 0;
        } else {
            __m128 r0 = _mm_loadu_ps(rows[0] + at), r1 = _mm_loadu_ps(rows[1] + at), r2 = _mm_loadu_ps(rows[2] + at),
                   r3 = _mm_loadu_ps(rows[3] + at), r4 = _mm_loadu_ps(rows[4] + at), r5 = _mm_loadu_ps(rows[5] + at),
                   r6 = _mm_loadu_ps(rows[6] + at), r7 = _mm_loadu_ps(rows[7] + at);
            for (i = 8; i < m - (m % 8); i += 8) {
                const float *const *g = rows + i;
                r0 = _mm_add_ps(r0, _mm_loadu_ps(g[0] + at));
                r1 = _mm_add_ps(r1, _mm_loadu_ps(g[1] + at));
                r2 = _mm_add_ps(r2, _mm_loadu_ps(g[2] + at));
                r3 = _mm_add_ps(r3, _mm_loadu_ps(g[3] + at));
                r4 = _mm_add_ps(r4, _mm_loadu_ps(g[4] + at));
                r5 = _mm_add_ps(r5, _mm_loadu_ps(g[5] + at));
                r6 = _mm_add_ps(r6, _mm_loadu_ps(g[6] + at));
                r7 = _mm_add_ps(r7, _mm_loadu_ps(g[7] + at));
            }
            o = _mm_add_ps(_mm_add_ps(_mm_add_ps(r0, r1), _mm_add_ps(r2, r3)),
                           _mm_add_ps(_mm_add_ps(r4, r5), _mm_add_ps(r6, r7)));
        }
        for (; i < m; i++) o = _mm_add_ps(o, _mm_loadu_ps(rows[i] + at));
        _mm_storeu_ps(out + j, o);
    }
    for (; j < cw; j++) { /* the last columns, one at a time */
        const Py_ssize_t at = c0 + j;
        float o;
        Py_ssize_t i;
        if (m < 8) {
            o = 0.0f;
            i = 0;
        } else {
            float r[8];
            for (int k = 0; k < 8; k++) r[k] = rows[k][at];
            for (i = 8; i < m - (m % 8); i += 8)
                for (int k = 0; k < 8; k++) r[k] += rows[i + k][at];
            o = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        }
        for (; i < m; i++) o += rows[i][at];
        out[j] = o;
    }
}
#else
static void pairwise_base(const float *const *rows, Py_ssize_t m, Py_ssize_t c0, Py_ssize_t cw, float *out) {
    if (m < 8) {
        for (Py_ssize_t j = 0; j < cw; j++) out[j] = 0.0f;
        for (Py_ssize_t i = 0; i < m; i++)
            for (Py_ssize_t j = 0; j < cw; j++) out[j] += rows[i][c0 + j];
    } else if (m <= 128) {
        float r[8][PW_COLS];
        for (int k = 0; k < 8; k++)
            for (Py_ssize_t j = 0; j < cw; j++) r[k][j] = rows[k][c0 + j];
        Py_ssize_t i;
        for (i = 8; i < m - (m % 8); i += 8)
            for (int k = 0; k < 8; k++)
                for (Py_ssize_t j = 0; j < cw; j++) r[k][j] += rows[i + k][c0 + j];
        for (Py_ssize_t j = 0; j < cw; j++)
            out[j] = ((r[0][j] + r[1][j]) + (r[2][j] + r[3][j])) + ((r[4][j] + r[5][j]) + (r[6][j] + r[7][j]));
        for (; i < m; i++)
            for (Py_ssize_t j = 0; j < cw; j++) out[j] += rows[i][c0 + j];
    } else {
        Py_ssize_t half = m / 2;
        half -= half % 8;
        float right[PW_COLS];
        pairwise_base(rows, half, c0, cw, out);
        pairwise_base(rows + half, m - half, c0, cw, right);
        for (Py_ssize_t j = 0; j < cw; j++) out[j] += right[j];
    }
}
#endif

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
/* pairwise_base with eight columns at a time where the processor has AVX (chosen at import): the same additions */
__attribute__((target("avx"))) static void pairwise_avx(const float *const *rows, Py_ssize_t m, Py_ssize_t c0,
                                                        Py_ssize_t cw, float *out) {
    if (m > 128) {
        Py_ssize_t half = m / 2;
        half -= half % 8;
        float right[PW_COLS];
        pairwise_avx(rows, half, c0, cw, out);
        pairwise_avx(rows + half, m - half, c0, cw, right);
        for (Py_ssize_t j = 0; j < cw; j++) out[j] += right[j];
        return;
    }
    Py_ssize_t j = 0;
    for (; j + 8 <= cw; j += 8) {
        const Py_ssize_t at = c0 + j;
        __m256 o;
        Py_ssize_t i;
        if (m < 8) {
            o = _mm256_setzero_ps();
            i = 0;
        } else {
            __m256 r0 = _mm256_loadu_ps(rows[0] + at), r1 = _mm256_loadu_ps(rows[1] + at),
                   r2 = _mm256_loadu_ps(rows[2] + at), r3 = _mm256_loadu_ps(rows[3] + at),
                   r4 = _mm256_loadu_ps(rows[4] + at), r5 = _mm256_loadu_ps(rows[5] + at),
                   r6 = _mm256_loadu_ps(rows[6] + at), r7 = _mm256_loadu_ps(rows[7] + at);
            for (i = 8; i < m - (m % 8); i += 8) {
                const float *const *g = rows + i;
                r0 = _mm256_add_ps(r0, _mm256_loadu_ps(g[0] + at));
                r1 = _mm256_add_ps(r1, _mm256_loadu_ps(g[1] + at));
                r2 = _mm256_add_ps(r2, _mm256_loadu_ps(g[2] + at));
                r3 = _mm256_add_ps(r3, _mm256_loadu_ps(g[3] + at));
                r4 = _mm256_add_ps(r4, _mm256_loadu_ps(g[4] + at));
                r5 = _mm256_add_ps(r5, _mm256_loadu_ps(g[5] + at));
                r6 = _mm256_add_ps(r6, _mm256_loadu_ps(g[6] + at));
                r7 = _mm256_add_ps(r7, _mm256_loadu_ps(g[7] + at));
            }
            o = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0, r1), _mm256_add_ps(r2, r3)),
                              _mm256_add_ps(_mm256_add_ps(r4, r5), _mm256_add_ps(r6, r7)));
        }
        for (; i < m; i++) o = _mm256_add_ps(o, _mm256_loadu_ps(rows[i] + at));
        _mm256_storeu_ps(out + j, o);
    }
    if (j < cw) pairwise_base(rows, m, c0 + j, cw - j, out + j); /* (the last columns) */
}
#define HAVE_PAIRWISE_AVX 1
#endif

static void (*pairwise)(const float *const *, Py_ssize_t, Py_ssize_t, Py_ssize_t, float *) = pairwise_base;

/* np.add.reduceat over one segment: its first row plus numpy's sum of the others (first[j] + sum[j]). */
static void reduce_segment(const float *const *rows, Py_ssize_t m, Py_ssize_t width, float *out) {
    float rest[PW_COLS];
    for (Py_ssize_t c0 = 0; c0 < width; c0 += PW_COLS) {
        Py_ssize_t cw = width - c0 < PW_COLS ? width - c0 : PW_COLS;
        if (m <= 1) {
            for (Py_ssize_t j = 0; j < cw; j++) out[c0 + j] = m ? rows[0][c0 + j] : 0.0f;
            continue;
        }
        pairwise(rows + 1, m - 1, c0, cw, rest);
        for (Py_ssize_t j = 0; j < cw; j++) out[c0 + j] = rows[0][c0 + j] + rest[j];
    }
}

typedef struct {
    const float **items;
    Py_ssize_t n, cap;
    int failed;
} Pointers;

static void push_pointer(Pointers *list, const float *item) {
    if (list->failed) return;
    if (list->n == list->cap) {
        Py_ssize_t cap = list->cap ? 2 * list->cap : 256;
        const float **grown = realloc(list->items, cap * sizeof(float *));
        if (!grown) {
            list->failed = 1;
            return;
        }
        list->items = grown;
        list->cap = cap;
    }
    list->items[list->n++] = item;
}

static void push_gram(int32_t row, void *ctx) {
    push_pointer(ctx, (const float *)P.log_prob.buf + (Py_ssize_t)row * P.n_langs);
}

/* Words recur within and across documents, and a word's row (its n-grams' sums) never changes: the rows are kept
 * across calls, keyed by the word's characters, up to CACHE_MAX words (then emptied, before a call, never in it). */
#define CACHE_MAX (1 << 16)
#define CACHE_SLOTS (1 << 17)

typedef struct {
    uint64_t *hashes; /* CACHE_SLOTS; 0: an empty slot */
    int32_t *entries; /* CACHE_SLOTS: the word's number */
    size_t *key_at;   /* CACHE_MAX: where each word's characters start in the arena */
    int32_t *key_len;
    Py_UCS4 *arena;
    size_t arena_len, arena_cap;
    float *rows; /* CACHE_MAX rows of `width` floats */
    Py_ssize_t n, width;
} WordCache;

static WordCache CACHE;

static void cache_free(void) {
    free(CACHE.hashes);
    free(CACHE.entries);
    free(CACHE.key_at);
    free(CACHE.key_len);
    free(CACHE.arena);
    free(CACHE.rows);
    memset(&CACHE, 0, sizeof(CACHE));
}

static void cache_clear(void) {
    memset(CACHE.hashes, 0, CACHE_SLOTS * sizeof(uint64_t));
    CACHE.n = 0;
    CACHE.arena_len = 0;
}

/* The cache for rows of `width` floats (emptied when the profiles change the width); -1 without memory. */
static int cache_ready(Py_ssize_t width) {
    if (CACHE.rows && CACHE.width == width) return 0;
    cache_free();
    CACHE.hashes = calloc(CACHE_SLOTS, sizeof(uint64_t));
    CACHE.entries = malloc(CACHE_SLOTS * sizeof(int32_t));
    CACHE.key_at = malloc(CACHE_MAX * sizeof(size_t));
    CACHE.key_len = malloc(CACHE_MAX * sizeof(int32_t));
    CACHE.arena_cap = 1 << 18;
    CACHE.arena = malloc(CACHE.arena_cap * sizeof(Py_UCS4));
    CACHE.rows = malloc((size_t)CACHE_MAX * width * sizeof(float));
    CACHE.width = width;
    if (!CACHE.hashes || !CACHE.entries || !CACHE.key_at || !CACHE.key_len || !CACHE.arena || !CACHE.rows) {
        cache_free();
        return -1;
    }
    return 0;
}

static inline uint64_t hash_word(const Py_UCS4 *key, Py_ssize_t len) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (Py_ssize_t i = 0; i < len; i++) h = (h ^ key[i]) * UINT64_C(1099511628211);
    return h | 1;
}

/* The cached row of the word, or NULL with *slot where it goes. */
static float *cache_find(const Py_UCS4 *key, Py_ssize_t len, uint64_t h, size_t *slot) {
    size_t s = h & (CACHE_SLOTS - 1);
    while (CACHE.hashes[s] != 0) {
        int32_t e = CACHE.entries[s];
        if (CACHE.hashes[s] == h && CACHE.key_len[e] == len) { /* (a loop, not memcmp: words are short) */
            const Py_UCS4 *k = CACHE.arena + CACHE.key_at[e];
            Py_ssize_t i = 0;
            while (i < len && k[i] == key[i]) i++;
            if (i == len) return CACHE.rows + (size_t)e * CACHE.width;
        }
        s = (s + 1) & (CACHE_SLOTS - 1);
    }
    *slot = s;
    return NULL;
}

/* A new word at `slot` (from cache_find): its row, to be filled; NULL without memory. */
static float *cache_add(const Py_UCS4 *key, Py_ssize_t len, uint64_t h, size_t slot) {
    if (CACHE.arena_len + len > CACHE.arena_cap) {
        size_t cap = CACHE.arena_cap;
        while (CACHE.arena_len + len > cap) cap *= 2;
        Py_UCS4 *grown = realloc(CACHE.arena, cap * sizeof(Py_UCS4));
        if (!grown) return NULL;
        CACHE.arena = grown;
        CACHE.arena_cap = cap;
    }
    int32_t e = (int32_t)CACHE.n++;
    memcpy(CACHE.arena + CACHE.arena_len, key, len * sizeof(Py_UCS4));
    CACHE.key_at[e] = CACHE.arena_len;
    CACHE.key_len[e] = (int32_t)len;
    CACHE.arena_len += len;
    CACHE.hashes[slot] = h;
    CACHE.entries[slot] = e;
    return CACHE.rows + (size_t)e * CACHE.width;
}

/* block_scores(text) -> bytes: float32 (lines, n_langs + 1): for each '\n'-separated line, the sum of its
 * whitespace-separated words' rows, a word's row being the sum of its n-grams' log-likelihoods (the n-grams
 * of the word followed by a space) and their number last: language.py's _line_scores, which sums them with
 * np.add.reduceat (a word's n-grams, then a line's words after a row of zeros), in numpy's order. */
static PyObject *scores_of(const Py_UCS4 *s, Py_ssize_t n, Py_ssize_t lines) {
    Py_ssize_t L = P.n_langs, width = L + 1;
    Py_ssize_t words_max = n / 2 + 2; /* a word and the whitespace after it: at least 2 characters, but the last */
    PyObject *out = PyBytes_FromStringAndSize(NULL, lines * width * (Py_ssize_t)sizeof(float));
    int cached = words_max <= CACHE_MAX && cache_ready(width) == 0;
    if (cached && CACHE.n + words_max > CACHE_MAX) cache_clear();
    float *word_rows = cached ? NULL : malloc(words_max * width * sizeof(float));
    Pointers grams = {0}, words = {0};
    if (!out || (!cached && !word_rows)) goto fail;
    float *scores = (float *)PyBytes_AS_STRING(out);
    float zeros[PW_COLS] = {0};
    Py_ssize_t line = 0, start = -1, in_line = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_UCS4 ch = i < n ? s[i] : '\n';
        int boundary = ch == '\n' || Py_UNICODE_ISSPACE(ch);
        if (boundary && start >= 0) { /* a word ends: its row (cached, or worked out) */
            const Py_UCS4 *key = s + start;
            Py_ssize_t len = i - start;
            uint64_t h = hash_word(key, len);
            size_t slot = 0;
            float *row = cached ? cache_find(key, len, h, &slot) : NULL;
            if (!row) {
                row = cached ? cache_add(key, len, h, slot) : word_rows + in_line * width;
                if (!row) goto fail;
                grams.n = 0;
                word_grams(PyUnicode_4BYTE_KIND, s, start, i, 1, push_gram, &grams);
                if (grams.failed) goto fail;
                reduce_segment(grams.items, grams.n, L, row);
                row[L] = (float)grams.n;
            }
            push_pointer(&words, row);
            in_line++;
            start = -1;
        } else if (!boundary && start < 0) {
            start = i;
        }
        if (ch == '\n') { /* a line ends: a row of zeros, then its words */
            if (words.failed || line >= lines) goto fail;
            float *sums = scores + line * width;
            for (Py_ssize_t c0 = 0; c0 < width; c0 += PW_COLS) {
                Py_ssize_t cw = width - c0 < PW_COLS ? width - c0 : PW_COLS;
                float rest[PW_COLS];
                pairwise(words.items, words.n, c0, cw, rest);
                for (Py_ssize_t j = 0; j < cw; j++) sums[c0 + j] = (words.n ? zeros[j] + rest[j] : 0.0f);
            }
            words.n = 0;
            in_line = 0;
            line++;
        }
    }
    free(word_rows);
    free(grams.items);
    free(words.items);
    return out;
fail:
    Py_XDECREF(out);
    free(word_rows);
    free(grams.items);
    free(words.items);
    return PyErr_NoMemory();
}

static PyObject *block_scores(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text) || !need_profiles()) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), lines = 1;
    Py_UCS4 *s = PyUnicode_AsUCS4Copy(text);
    if (!s) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) lines += s[i] == '\n';
    PyObject *out = scores_of(s, n, lines);
    PyMem_Free(s);
    return out;
}

/* line_scores(blocks, max_chars, table) -> bytes: block_scores of the blocks' first max_chars characters, each
 * with its line breaks as spaces, normalised by `table` (language.py's _NORMALISED), one block a line: _suspects'
 * text without building it. */
static PyObject *line_scores(PyObject *self, PyObject *args) {
    PyObject *blocks, *mapping;
    Py_ssize_t max_chars, target = -1;
    double margin = 0.0;
    if (!PyArg_ParseTuple(args, "O!nO|nd", &PyList_Type, &blocks, &max_chars, &mapping, &target, &margin) ||
        !need_profiles())
        return NULL;
    if (target >= P.n_langs) {
        PyErr_SetString(PyExc_ValueError, "line_scores: target out of range");
        return NULL;
    }
    if (max_chars < 0) max_chars = 0;
    Py_ssize_t count = PyList_GET_SIZE(blocks), total = 0;
    for (Py_ssize_t b = 0; b < count; b++) {
        PyObject *block = PyList_GET_ITEM(blocks, b);
        if (!PyUnicode_Check(block)) {
            PyErr_SetString(PyExc_TypeError, "line_scores: blocks must be str");
            return NULL;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(block);
        total += (len < max_chars ? len : max_chars) + 1;
    }
    Py_UCS4 *buffer = PyMem_Malloc((total + 1) * sizeof(Py_UCS4));
    if (!buffer) return PyErr_NoMemory();
    PyObject *out = NULL;
    Py_ssize_t n = 0;
    for (Py_ssize_t b = 0; b < count; b++) {
        PyObject *block = PyList_GET_ITEM(blocks, b);
        int kind = PyUnicode_KIND(block);
        const void *data = PyUnicode_DATA(block);
        Py_ssize_t len = PyUnicode_GET_LENGTH(block);
        if (len > max_chars) len = max_chars;
        if (b) buffer[n++] = '\n';
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, i);
            if (normalised_of(mapping, ch == '\n' ? ' ' : ch, buffer + n++) < 0) goto done;
        }
    }
    out = scores_of(buffer, n, count ? count : 1);
    if (out && target >= 0) { /* language.py's _suspects from the scores: (judged, suspects) */
        PyObject *scores = out, *judged = PyList_New(0), *suspects = PyList_New(0);
        out = NULL;
        if (judged && suspects) {
            const float *row = (const float *)PyBytes_AS_STRING(scores);
            Py_ssize_t width = P.n_langs + 1, lines = PyBytes_GET_SIZE(scores) / (Py_ssize_t)sizeof(float) / width;
            int failed = 0;
            for (Py_ssize_t i = 0; i < lines && !failed; i++, row += width) {
                if (!(row[width - 1] > 0)) continue; /* no n-grams */
                /* own - the others' largest (numpy's max: a NaN wins), in float32 */
                float largest = -INFINITY;
                int nan = 0;
                for (Py_ssize_t j = 0; j < P.n_langs; j++) {
                    if (j == target) continue;
                    if (row[j] != row[j]) nan = 1;
                    else if (row[j] > largest) largest = row[j];
                }
                float diff = nan ? NAN : row[target] - largest;
                PyObject *index = PyLong_FromSsize_t(i);
                failed = !index || PyList_Append(judged, index) < 0 ||
                         ((double)diff < margin && PyList_Append(suspects, index) < 0);
                Py_XDECREF(index);
            }
            if (!failed) out = PyTuple_Pack(2, judged, suspects);
        }
        Py_DECREF(scores);
        Py_XDECREF(judged);
        Py_XDECREF(suspects);
    }
done:
    PyMem_Free(buffer);
    return out;
}

/* The characters of langdetect's URL_RE after "://": [-_.?&~;+=/#0-9A-Za-z] */
static inline int url_char(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
           c == '.' || c == '?' || c == '&' || c == '~' || c == ';' || c == '+' || c == '=' || c == '/' || c == '#';
}

/* without_urls(text) -> str: Detector.URL_RE.sub(" ", text), langdetect's https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}:
 * from left to right, each match (the longest run of those characters after "http://" or "https://", at most 2076)
 * made one space. */
static PyObject *without_urls(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "without_urls: a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = 0;
    Py_UCS4 *out = NULL;
    int found = 0;
    for (Py_ssize_t i = 0; i < n;) {
        Py_ssize_t end = -1;
        if (PyUnicode_READ(kind, data, i) == 'h' && i + 7 < n && PyUnicode_READ(kind, data, i + 1) == 't' &&
            PyUnicode_READ(kind, data, i + 2) == 't' && PyUnicode_READ(kind, data, i + 3) == 'p') {
            Py_ssize_t j = i + 4;
            if (PyUnicode_READ(kind, data, j) == 's') j++;
            if (j + 3 < n && PyUnicode_READ(kind, data, j) == ':' && PyUnicode_READ(kind, data, j + 1) == '/' &&
                PyUnicode_READ(kind, data, j + 2) == '/') {
                Py_ssize_t k = j + 3, limit = k + 2076 < n ? k + 2076 : n;
                while (k < limit && url_char(PyUnicode_READ(kind, data, k))) k++;
                if (k > j + 3) end = k;
            }
        }
        if (end < 0) {
            if (found) out[m++] = PyUnicode_READ(kind, data, i);
            i++;
            continue;
        }
        if (!found) { /* the first match: the text so far, then the rest as it comes */
            found = 1;
            out = PyMem_Malloc((n + 1) * sizeof(Py_UCS4));
            if (!out) return PyErr_NoMemory();
            for (Py_ssize_t k = 0; k < i; k++) out[m++] = PyUnicode_READ(kind, data, k);
        }
        out[m++] = ' ';
        i = end;
    }
    if (!found) return Py_NewRef(text);
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
    PyMem_Free(out);
    return result;
}

/* langdetect's MAIL_RE classes: [-_.0-9A-Za-z] (local part and the domain's end), [-_0-9A-Za-z] (its start) */
static inline int mail_char(Py_UCS4 c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_' ||
           c == '.';
}

/* without_mails(text) -> str: Detector.MAIL_RE.sub(" ", text), langdetect's
 * [-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}, as re finds its matches: for each "@" from left
 * to right, the match starts at the leftmost place from which the characters up to the "@" are all of the first
 * class, at most 64 of them; after the "@", the second class's greedy run (at most 255) and the first class's
 * greedy run after it (at most 255, at least one: else the second run gives back its last character, if it has
 * two); no match at an "@" that does not allow one. */
static PyObject *without_mails(PyObject *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "without_mails: a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = 0, copied = 0; /* text[:copied] is in out (as out[:m]) */
    Py_UCS4 *out = NULL;
    for (Py_ssize_t i = 0, a = 0; a < n; a++) {
        if (PyUnicode_READ(kind, data, a) != '@') continue;
        Py_ssize_t s0 = a; /* the local part: the run of the first class before the "@", at most 64, from i */
        while (s0 > i && a - s0 < 64 && mail_char(PyUnicode_READ(kind, data, s0 - 1))) s0--;
        if (s0 == a) continue;
        Py_ssize_t k = 0; /* the domain's start: [-_0-9A-Za-z]{1,255}, greedy */
        while (a + 1 + k < n && k < 255) {
            Py_UCS4 c = PyUnicode_READ(kind, data, a + 1 + k);
            if (c == '.' || !mail_char(c)) break;
            k++;
        }
        if (k == 0) continue;
        Py_ssize_t d = 0, from = a + 1 + k; /* its end: [-_.0-9A-Za-z]{1,255}, greedy */
        while (from + d < n && d < 255 && mail_char(PyUnicode_READ(kind, data, from + d))) d++;
        Py_ssize_t end;
        if (d > 0) {
            end = from + d;
        } else if (k >= 2) { /* the start gives back its last character, which the end takes */
            end = from;
        } else {
            continue;
        }
        if (!out) {
            out = PyMem_Malloc((n + 1) * sizeof(Py_UCS4));
            if (!out) return PyErr_NoMemory();
        }
        for (Py_ssize_t q = copied; q < s0; q++) out[m++] = PyUnicode_READ(kind, data, q);
        out[m++] = ' ';
        copied = i = end;
        a = end - 1; /* (the next "@" after the match) */
    }
    if (!out) return Py_NewRef(text);
    for (Py_ssize_t q = copied; q < n; q++) out[m++] = PyUnicode_READ(kind, data, q);
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, m);
    PyMem_Free(out);
    return result;
}

/* use_avx(on) -> bool: the AVX loops on (where the processor has AVX) or off; whether they were on (the tests run
 * both and compare). */
static PyObject *use_avx(PyObject *self, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    int was = update != update_plain;
#ifdef HAVE_AVX_BUILD
    on = on && __builtin_cpu_supports("avx");
    update = on ? update_avx : update_plain;
    pairwise = on ? pairwise_avx : pairwise_base;
#endif
    return PyBool_FromLong(was);
}

static PyMethodDef methods[] = {
    {"without_mails", without_mails, METH_O,
     "without_mails(text) -> str: langdetect's Detector.MAIL_RE.sub(' ', text)."},
    {"without_urls", without_urls, METH_O, "without_urls(text) -> str: langdetect's Detector.URL_RE.sub(' ', text)."},
    {"use_avx", use_avx, METH_O, "use_avx(on) -> bool: the AVX loops on or off (where there is AVX); the old state."},
    {"set_normalised", set_normalised, METH_VARARGS,
     "set_normalised(table): NGram.normalize of each BMP character (65536 uint32 code points)."},
    {"sample_rows", sample_rows, METH_VARARGS,
     "sample_rows(text, limit, table) -> bytes | None: ngram_rows(normalise(prepare(text, limit), table, False))."},
    {"line_scores", line_scores, METH_VARARGS,
     "line_scores(blocks, max_chars, table[, target, margin]) -> bytes: block_scores of the blocks' first "
     "characters, normalised; with target: language.py's _suspects of them, (judged, suspects)."},
    {"set_profiles", set_profiles, METH_VARARGS,
     "set_profiles(codes, rows, prob, log_prob, n_langs): the n-gram codes (int64), their profile rows (int32), "
     "P(n-gram | language) (float64) and the pre-check's log-probabilities (float32), each C-contiguous."},
    {"normalise", normalise, METH_VARARGS,
     "normalise(text, table, keep_newlines) -> str: text.translate(table), one character for one."},
    {"prepare", prepare, METH_VARARGS,
     "prepare(text, limit) -> str | None: spaces collapsed, Latin letters out of other scripts; None: marks."},
    {"ngram_rows", ngram_rows, METH_VARARGS, "ngram_rows(text) -> bytes: langdetect's n-gram rows (int32)."},
    {"probabilities", probabilities, METH_VARARGS,
     "probabilities(rows, words, trials, alpha, alpha_width, base_freq, conv_threshold, iteration_limit) -> "
     "list[float] | None: langdetect's trials; None when `words` is too short."},
    {"block_scores", block_scores, METH_VARARGS,
     "block_scores(text) -> bytes: float32 (lines, n_langs + 1) naive-Bayes sums and n-gram counts."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_language_core",
                                    "The language scorer's loops, compiled (see cleaner/scorers/language.py).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__language_core(void) {
#ifdef HAVE_AVX_BUILD
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx")) {
        update = update_avx;
        pairwise = pairwise_avx;
    }
#endif
    return PyModule_Create(&module);
}
