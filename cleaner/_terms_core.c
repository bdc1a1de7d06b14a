/* cleaner.terms' word table and the incoherence scorer's unit matrix, compiled.
 *
 * Why: the incoherence scorer (cleaner/scorers/coherence.py) turns every word of a document (about 750 in a news
 * article) into an integer id of cleaner.terms.WordTable, then measures the units' TF-IDF matrix. In Python the
 * words cost a regex split, a dict lookup per word and, for each new word, a dozen small calls (stem,
 * _word_facts, stem ids, the IDF); the matrix, some forty numpy calls on small arrays. Together about 1.5 of
 * the scorer's 2 ms per article, nearly all of it per-call overhead. Here:
 * - a `Table` keeps a hash map from a word's code points to its id and the word's facts in growing arrays,
 *   splits paragraphs with the exact semantics of cleaner.terms.WORD (re's classes on str, re.split's gaps) and
 *   works out a new word's facts as terms.stem and terms._word_facts do, with what terms.py hands over once per
 *   table (the stopwords, the names news writes capitalised, the document frequencies, the sentence openers,
 *   the honorifics). Ids are given in the Python table's order (a new word's content stem is registered before
 *   its plain stem), in the Python table's own `words`, `stems` and `stem_ids` (WordTable.stem_id registers its
 *   stems here too, `stem_id`), with the stems' IDFs kept in an array read by WordTable.settle (`idf`) and by
 *   coherence.analyse for a document's columns (`idf_of`: no Python object a new stem); the IDF is
 *   log((n_docs + 1) / (df + 1)) + 1.0 with C's `log`, the function math.log calls.
 * - `unit_matrix` computes the matrix and the body measures of coherence.analyse with numpy's float operations
 *   in numpy's order: elementwise products rounded to doubles, row sums by numpy's pairwise summation, running
 *   sums in row order, np.log's values handed over as a table. Dot products numpy leaves to BLAS stay in numpy.
 *   A unit's row has a few dozen of the document's hundreds of columns: its sums (and those of a window of two
 *   units) visit only the columns that can be non-zero, in the places numpy's summation tree gives them
 *   (sparse_sum: zeros add nothing), and a split's three sums share one pass; a third less time than summing
 *   whole rows three times. `head_vector` is the headline's row, as coherence._unit_vectors weighs it.
 * - `split_words` is terms.split_words (re.split by WORD), three times faster.
 * terms.py and coherence.py keep the Python code as the reference and the fallback (no C compiler at install);
 * tests/test_coherence.py checks that both give the same ids, facts, features, scores and reasons, bit for bit.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only,
 * buffers through the buffer protocol (no numpy headers), no fast-math (the order of float operations is the
 * point). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "_native.h" /* str_isupper, ends_with, pairwise_sum */

#define STEM_LEN 6
#define MAX_HONORIFICS 8
#define MAX_OPENERS 64

/* ---- characters, as Python's re and str see them -------------------------------------------------------- */

/* A letter of WORD: `[^\W\d_]` on str, i.e. str.isalnum() (alpha, decimal, digit or numeric) but not a decimal
 * digit (re's \d) and not '_'. Fractions and superscripts (numeric, not decimal) count as letters, as in re. */
static inline int is_letter(Py_UCS4 c) {
    if (c < 128) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return Py_UNICODE_ISALNUM(c) && !Py_UNICODE_ISDECIMAL(c);
}

static inline int is_apostrophe(Py_UCS4 c) { return c == '\'' || c == 0x2019; }

/* The end of the WORD match that starts with the letter at i: letters, then (apostrophe, letters)* as long as a
 * letter follows the apostrophe. */
static inline Py_ssize_t word_end(const Py_UCS4 *b, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && is_letter(b[i])) i++;
    while (i + 1 < n && is_apostrophe(b[i]) && is_letter(b[i + 1])) {
        i++;
        while (i < n && is_letter(b[i])) i++;
    }
    return i;
}

/* ---- the table -------------------------------------------------------------------------------------------- */

/* A map from strings (code points) to ids, open addressing, never more than half full: the stems' ids and the
 * ASCII members of the stopwords and of the names (C lookups where the Python objects would need a str). */
typedef struct {
    uint64_t *hashes; /* 0: an empty slot */
    int64_t *values;
    size_t *key_at;   /* where the key's code points start in the arena */
    int32_t *key_len;
    Py_UCS4 *arena;
    size_t arena_len, arena_cap, mask;
    Py_ssize_t n;
} StrMap;

static inline uint64_t map_hash(const Py_UCS4 *w, Py_ssize_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ (uint64_t)w[i]) * UINT64_C(0x100000001b3);
    return (h ^ (h >> 29)) | 1;
}

static void map_free(StrMap *m) {
    free(m->hashes);
    free(m->values);
    free(m->key_at);
    free(m->key_len);
    free(m->arena);
    memset(m, 0, sizeof(*m));
}

/* The slot of the key, or of the empty slot where it goes. */
static inline size_t map_slot(const StrMap *m, const Py_UCS4 *w, Py_ssize_t n, uint64_t h) {
    size_t s = (size_t)h & m->mask;
    while (m->hashes[s]) {
        if (m->hashes[s] == h && m->key_len[s] == n) {
            const Py_UCS4 *k = m->arena + m->key_at[s];
            Py_ssize_t i = 0;
            while (i < n && k[i] == w[i]) i++;
            if (i == n) return s;
        }
        s = (s + 1) & m->mask;
    }
    return s;
}

/* The key's value, -1 when absent. */
static inline int64_t map_get(const StrMap *m, const Py_UCS4 *w, Py_ssize_t n, uint64_t h) {
    if (!m->hashes) return -1;
    size_t s = map_slot(m, w, n, h);
    return m->hashes[s] ? m->values[s] : -1;
}

static int map_grow(StrMap *m) {
    size_t size = m->hashes ? 2 * (m->mask + 1) : 1024;
    uint64_t *hashes = calloc(size, sizeof(uint64_t));
    int64_t *values = malloc(size * sizeof(int64_t));
    size_t *key_at = malloc(size * sizeof(size_t));
    int32_t *key_len = malloc(size * sizeof(int32_t));
    if (!hashes || !values || !key_at || !key_len) {
        free(hashes);
        free(values);
        free(key_at);
        free(key_len);
        return -1;
    }
    for (size_t s = 0; m->hashes && s <= m->mask; s++) {
        if (!m->hashes[s]) continue;
        size_t t = (size_t)m->hashes[s] & (size - 1);
        while (hashes[t]) t = (t + 1) & (size - 1);
        hashes[t] = m->hashes[s];
        values[t] = m->values[s];
        key_at[t] = m->key_at[s];
        key_len[t] = m->key_len[s];
    }
    free(m->hashes);
    free(m->values);
    free(m->key_at);
    free(m->key_len);
    m->hashes = hashes;
    m->values = values;
    m->key_at = key_at;
    m->key_len = key_len;
    m->mask = size - 1;
    return 0;
}

/* Set key -> value (a key not in the map); -1 without memory (the map then as it was). */
static int map_put(StrMap *m, const Py_UCS4 *w, Py_ssize_t n, uint64_t h, int64_t value) {
    if ((!m->hashes || (size_t)(m->n + 1) * 2 > m->mask + 1) && map_grow(m) < 0) return -1;
    if (m->arena_len + (size_t)n > m->arena_cap) {
        size_t cap = m->arena_cap ? 2 * m->arena_cap : 1 << 14;
        while (cap < m->arena_len + (size_t)n) cap *= 2;
        Py_UCS4 *arena = realloc(m->arena, cap * sizeof(Py_UCS4));
        if (!arena) return -1;
        m->arena = arena;
        m->arena_cap = cap;
    }
    size_t s = map_slot(m, w, n, h);
    memcpy(m->arena + m->arena_len, w, (size_t)n * sizeof(Py_UCS4));
    m->hashes[s] = h;
    m->values[s] = value;
    m->key_at[s] = m->arena_len;
    m->key_len[s] = (int32_t)n;
    m->arena_len += (size_t)n;
    m->n++;
    return 0;
}

/* The ASCII members of a frozenset of str into `m` (a mutable set is left to PySet_Contains: 0 then). 1 when the
 * map holds them, 0 when not, -1 on error. */
static int map_of_ascii(StrMap *m, PyObject *set) {
    if (!PyFrozenSet_CheckExact(set)) return 0;
    PyObject *it = PyObject_GetIter(set), *key;
    if (!it) return -1;
    int result = 1;
    while ((key = PyIter_Next(it))) {
        if (PyUnicode_Check(key) && PyUnicode_IS_ASCII(key)) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(key);
            const Py_UCS1 *data = PyUnicode_1BYTE_DATA(key);
            Py_UCS4 buffer[64];
            if (n > 64) { /* (no such stopword or name; the set is asked instead) */
                result = 0;
            } else {
                for (Py_ssize_t i = 0; i < n; i++) buffer[i] = data[i];
                uint64_t h = map_hash(buffer, n);
                if (map_get(m, buffer, n, h) < 0 && map_put(m, buffer, n, h, 1) < 0) {
                    PyErr_NoMemory();
                    result = -1;
                }
            }
        }
        Py_DECREF(key);
        if (result <= 0) break;
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : result;
}

/* a slot of the hash map: word id + 1 (0: empty) and the high half of the word's hash (most probes of other
 * words end here, without reading the word) */
typedef struct {
    int32_t id;
    uint32_t check;
    uint32_t start; /* the word's code points in Table.chars, here too: a probe reads one cache line of the map */
    int32_t length;
} Slot;

typedef struct {
    PyObject_HEAD
    /* the Python table's registries (terms.WordTable), appended to as words and stems are registered */
    PyObject *words;    /* list: word id -> word */
    PyObject *stems;    /* list: stem id -> stem */
    PyObject *stem_ids; /* dict: stem -> stem id */
    PyObject *new_idf;  /* WordTable._new_idf: no longer written (the IDFs are kept in `idf` below) */
    /* what terms.py knows of words */
    PyObject *df;        /* dict: stem -> document frequency */
    PyObject *stopwords; /* a set or frozenset of lowercase words */
    PyObject *proper;    /* a set or frozenset of lowercase words that are names more often than not */
    double n_docs_plus_one;
    Py_UCS4 openers[MAX_OPENERS];
    int n_openers;
    Py_UCS4 *honorifics[MAX_HONORIFICS];
    Py_ssize_t honorific_len[MAX_HONORIFICS];
    int n_honorifics;
    /* the hash map, open addressing */
    Slot *slots;
    size_t mask;
    /* per word id: its code points (in `chars`), its hash and its facts */
    Py_ssize_t n, cap;
    Py_ssize_t *start;
    int32_t *length;
    uint64_t *hash;
    int64_t *stem;      /* content stem id; -1: not a content token */
    int64_t *plain;     /* stem id of stem(word) */
    int8_t *kind;       /* running-text entity kind: 0 plain, 1 entity, 2 entity unless it opens a sentence */
    uint8_t *upper;     /* first letter upper case */
    uint8_t *honorific; /* ends like an honorific */
    Py_UCS4 *chars;
    size_t chars_len, chars_cap;
    /* the stems' ids by their code points (the Python dict's, without a str), and the ASCII stopwords and names
     * (`ascii_sets`: 0 when the sets are not frozensets, then asked as they are) */
    StrMap stem_map, stop_map, proper_map;
    int ascii_sets;
    /* per stem id: its IDF (Vocabulary.idf), as the stem is registered (`idf`, `idf_of`) */
    double *idf;
    size_t idf_cap;
    /* per plain stem id: the last split() call that saw it capitalised */
    uint32_t *seen;
    size_t seen_cap;
    uint32_t stamp;
} Table;

static uint64_t hash_of(const Py_UCS4 *w, Py_ssize_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a over code points */
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (uint64_t)w[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h ^ (h >> 29);
}

static Py_ssize_t find(const Table *t, const Py_UCS4 *w, Py_ssize_t n, uint64_t h) {
    size_t s = (size_t)h & t->mask;
    uint32_t check = (uint32_t)(h >> 32);
    for (;;) {
        Slot v = t->slots[s];
        if (v.id == 0) return -1;
        Py_ssize_t id = v.id - 1;
        if (v.check == check && v.length == n) { /* (a loop, not memcmp: words are short) */
            const Py_UCS4 *c = t->chars + v.start;
            Py_ssize_t i = 0;
            while (i < n && c[i] == w[i]) i++;
            if (i == n) return id;
        }
        s = (s + 1) & t->mask;
    }
}

static void insert_slot(const Table *t, Slot *slots, size_t mask, Py_ssize_t id) {
    uint64_t h = t->hash[id];
    size_t s = (size_t)h & mask;
    while (slots[s].id != 0) s = (s + 1) & mask;
    slots[s].id = (int32_t)(id + 1);
    slots[s].check = (uint32_t)(h >> 32);
    slots[s].start = (uint32_t)t->start[id];
    slots[s].length = t->length[id];
}

static int grow_array(void **p, size_t count, size_t size) {
    void *q = realloc(*p, count * size);
    if (!q) return -1;
    *p = q;
    return 0;
}

/* Room for one more word of `n` code points, reserved before anything is registered (so that a failed
 * allocation leaves the table as it was). */
static int reserve(Table *t, Py_ssize_t n) {
    if (t->n + 1 > t->cap) {
        size_t cap = t->cap ? 2 * (size_t)t->cap : 1024;
        if (grow_array((void **)&t->start, cap, sizeof(Py_ssize_t)) || grow_array((void **)&t->length, cap, 4) ||
            grow_array((void **)&t->hash, cap, 8) || grow_array((void **)&t->stem, cap, 8) ||
            grow_array((void **)&t->plain, cap, 8) || grow_array((void **)&t->kind, cap, 1) ||
            grow_array((void **)&t->upper, cap, 1) || grow_array((void **)&t->honorific, cap, 1)) {
            PyErr_NoMemory();
            return -1;
        }
        t->cap = (Py_ssize_t)cap;
    }
    if (t->chars_len + (size_t)n > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "word table too large");
        return -1;
    }
    if (t->chars_len + (size_t)n > t->chars_cap) {
        size_t cap = t->chars_cap ? 2 * t->chars_cap : 8192;
        while (cap < t->chars_len + (size_t)n) cap *= 2;
        if (grow_array((void **)&t->chars, cap, sizeof(Py_UCS4))) {
            PyErr_NoMemory();
            return -1;
        }
        t->chars_cap = cap;
    }
    if ((size_t)(t->n + 1) * 2 > t->mask + 1) { /* load factor at most 1/2 */
        size_t size = 2 * (t->mask + 1);
        if (size > (size_t)INT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "word table too large");
            return -1;
        }
        Slot *slots = calloc(size, sizeof(Slot));
        if (!slots) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t id = 0; id < t->n; id++) insert_slot(t, slots, size - 1, id);
        free(t->slots);
        t->slots = slots;
        t->mask = size - 1;
    }
    return 0;
}

/* ---- a new word's facts, as terms.stem, terms._word_facts and WordTable._add work them out --------------- */

/* terms.stem's rules on the lowercase word `w` (n code points, modified in place): the stem's length. */
static Py_ssize_t stem_length(Py_UCS4 *w, Py_ssize_t n) {
    Py_UCS4 last = n ? w[n - 1] : 0;
    if (n && (last == 's' || last == '\'')) {
        if (ends_with(w, n, "'s")) n -= 2;
        while (n && w[n - 1] == '\'') n--; /* rstrip("'") */
        if (n > 4 && ends_with(w, n, "ies")) {
            n -= 2;
            w[n - 1] = 'y';
        } else if (n > 3 && ends_with(w, n, "s") && !ends_with(w, n, "ss") && !ends_with(w, n, "us") &&
                   !ends_with(w, n, "is")) {
            n -= 1;
        }
    }
    return n > STEM_LEN ? STEM_LEN : n;
}

/* WordTable.stem_id of the stem of n code points at w (`str`: the stem as a str, or NULL to make one when needed):
 * its id, registered (with its IDF noted) when new. */
static Py_ssize_t stem_id(Table *t, const Py_UCS4 *w, Py_ssize_t n, PyObject *str) {
    uint64_t h = map_hash(w, n);
    int64_t known = map_get(&t->stem_map, w, n, h);
    if (known >= 0) return (Py_ssize_t)known;
    Py_ssize_t id = PyList_GET_SIZE(t->stems), result = -1;
    PyObject *s = str ? Py_NewRef(str) : str_of(w, n);
    if (!s) return -1;
    long long df = 0;
    PyObject *d = PyDict_GetItemWithError(t->df, s);
    if (d) {
        df = PyLong_AsLongLong(d);
        if (df == -1 && PyErr_Occurred()) goto done;
    } else if (PyErr_Occurred()) {
        goto done;
    }
    /* Vocabulary.idf: log((n_docs + 1) / (df + 1)) + 1.0, the integers exact in doubles as in Python's int division */
    double idf = log(t->n_docs_plus_one / (double)(df + 1)) + 1.0;
    if ((size_t)id >= t->idf_cap) {
        size_t cap = t->idf_cap ? 2 * t->idf_cap : 4096;
        while (cap <= (size_t)id) cap *= 2;
        if (grow_array((void **)&t->idf, cap, sizeof(double))) {
            PyErr_NoMemory();
            goto done;
        }
        t->idf_cap = cap;
    }
    t->idf[id] = idf; /* (noted first: a failure below leaves a note without its stem, which the next stem overwrites) */
    if (map_put(&t->stem_map, w, n, h, -2) < 0) { /* (room made first: -2 until registered, set below) */
        PyErr_NoMemory();
        goto done;
    }
    size_t slot = map_slot(&t->stem_map, w, n, h);
    PyObject *value = NULL;
    if (PyList_Append(t->stems, s) || !(value = PyLong_FromSsize_t(id)) || PyDict_SetItem(t->stem_ids, s, value)) {
        Py_XDECREF(value);
        t->stem_map.values[slot] = -1; /* (never found: a failed registration leaves the next stem this id) */
        goto done;
    }
    Py_DECREF(value);
    t->stem_map.values[slot] = id;
    result = id;
done:
    Py_DECREF(s);
    return result;
}

/* Whether the lowercase word (n code points at low; `lower`: it as a str, or NULL when it is ASCII) is in `set`,
 * whose ASCII members are `map` when t->ascii_sets: 1, 0, or -1 with an exception set. */
static int in_set(Table *t, const StrMap *map, PyObject *set, const Py_UCS4 *low, Py_ssize_t n, PyObject *lower,
                  int ascii) {
    if (t->ascii_sets && ascii) return map_get(map, low, n, map_hash(low, n)) >= 0;
    if (t->ascii_sets && lower) { /* (not ASCII: in the set only as one of its other members) */
        int found = PySet_Contains(set, lower);
        return found;
    }
    PyObject *str = lower ? Py_NewRef(lower) : str_of(low, n);
    if (!str) return -1;
    int found = PySet_Contains(set, str);
    Py_DECREF(str);
    return found;
}

/* Register a new word (n code points at w) and return its id (-1 with an exception set). */
static Py_ssize_t add_word(Table *t, const Py_UCS4 *w, Py_ssize_t n, uint64_t h) {
    if (PyList_GET_SIZE(t->words) != t->n) {
        PyErr_SetString(PyExc_RuntimeError, "the word table's list of words is out of step with its ids");
        return -1;
    }
    Py_ssize_t result = -1, content_id = -1, plain_id;
    int ascii = 1;
    for (Py_ssize_t i = 0; i < n && ascii; i++) ascii = w[i] < 128;
    PyObject *word = str_of(w, n);
    PyObject *lower = NULL; /* str.lower() of the word, made only when it is not ASCII */
    Py_UCS4 *low = NULL, *plain = NULL;
    Py_ssize_t low_n = n;
    if (!word) return -1;
    if (ascii) { /* str.lower() of ASCII */
        low = PyMem_Malloc((2 * n + 1) * sizeof(Py_UCS4));
        if (!low) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) low[i] = (w[i] >= 'A' && w[i] <= 'Z') ? w[i] + 32 : w[i];
    } else { /* str.lower() itself: full case mappings can change the length ("İ") */
        lower = lower_name() ? PyObject_CallMethodNoArgs(word, lower_name()) : NULL;
        if (!lower) goto done;
        low_n = PyUnicode_GET_LENGTH(lower);
        low = PyMem_Malloc((2 * low_n + 1) * sizeof(Py_UCS4));
        if (!low) {
            PyErr_NoMemory();
            goto done;
        }
        if (!PyUnicode_AsUCS4(lower, low, low_n, 0)) goto done;
    }
    int low_ascii = ascii || PyUnicode_IS_ASCII(lower);
    plain = low + low_n; /* stem(word): cut from a copy of the lowercase word */
    memcpy(plain, low, low_n * sizeof(Py_UCS4));
    Py_ssize_t plain_n = stem_length(plain, low_n);
    int acronym = n >= 2 && n <= 4 && str_isupper(w, n);
    int stop = in_set(t, &t->stop_map, t->stopwords, low, low_n, lower, low_ascii);
    if (stop < 0) goto done;
    int us = low_n == 2 && low[0] == 'u' && low[1] == 's';
    int upper = Py_UNICODE_ISUPPER(w[0]) != 0;
    int8_t kind = 0;
    if (!(stop && !(acronym && us)) && n >= 2) { /* a content token (not a stopword, "US" the country is one) */
        if (upper) {
            if (acronym) {
                kind = 1;
            } else {
                int proper = in_set(t, &t->proper_map, t->proper, low, low_n, lower, low_ascii);
                if (proper < 0) goto done;
                kind = proper ? 1 : 2;
            }
        }
        /* the content stem first (the lowercase word of an acronym): its id orders the columns of coherence's
         * matrices */
        const Py_UCS4 *content = acronym ? low : plain;
        Py_ssize_t content_n = acronym ? low_n : plain_n;
        content_id = stem_id(t, content, content_n, acronym ? lower : NULL);
        if (content_id < 0) goto done;
        int same = content_n == plain_n && memcmp(content, plain, plain_n * sizeof(Py_UCS4)) == 0;
        plain_id = same ? content_id : stem_id(t, plain, plain_n, NULL);
    } else {
        plain_id = stem_id(t, plain, plain_n, NULL);
    }
    if (plain_id < 0) goto done;
    int honorific = 0;
    for (int k = 0; k < t->n_honorifics && !honorific; k++) {
        Py_ssize_t m = t->honorific_len[k];
        honorific = m <= n && memcmp(w + n - m, t->honorifics[k], m * sizeof(Py_UCS4)) == 0;
    }
    if (reserve(t, n) < 0 || PyList_Append(t->words, word) < 0) goto done;
    Py_ssize_t id = t->n;
    t->start[id] = (Py_ssize_t)t->chars_len;
    memcpy(t->chars + t->chars_len, w, n * sizeof(Py_UCS4));
    t->chars_len += (size_t)n;
    t->length[id] = (int32_t)n;
    t->hash[id] = h;
    t->stem[id] = content_id;
    t->plain[id] = plain_id;
    t->kind[id] = kind;
    t->upper[id] = (uint8_t)upper;
    t->honorific[id] = (uint8_t)honorific;
    insert_slot(t, t->slots, t->mask, id);
    t->n = id + 1;
    result = id;
done:
    PyMem_Free(low);
    Py_XDECREF(lower);
    Py_DECREF(word);
    return result;
}

static Py_ssize_t word_id(Table *t, const Py_UCS4 *w, Py_ssize_t n) {
    if (n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "word too long");
        return -1;
    }
    uint64_t h = hash_of(w, n);
    Py_ssize_t id = find(t, w, n, h);
    return id >= 0 ? id : add_word(t, w, n, h);
}

/* ---- growing output buffers ------------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static int put(Buffer *b, const void *item, size_t size) {
    if (b->len + size > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (cap < b->len + size) cap *= 2;
        char *data = PyMem_Realloc(b->data, cap);
        if (!data) {
            PyErr_NoMemory();
            return -1;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, item, size);
    b->len += size;
    return 0;
}

/* Room for `size` bytes at least (a guess made once: put still grows the buffer past it); -1 without memory. */
static int reserve_bytes(Buffer *b, size_t size) {
    if (size <= b->cap) return 0;
    char *data = PyMem_Realloc(b->data, size);
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = size;
    return 0;
}

static PyObject *take_bytes(Buffer *b) {
    return PyBytes_FromStringAndSize(b->len ? b->data : "", (Py_ssize_t)b->len);
}

/* A str's code points in a buffer (PyMem_Free it). */
static Py_UCS4 *code_points(PyObject *text, Py_ssize_t *n) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "expected str, not %.80s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    *n = PyUnicode_GET_LENGTH(text);
    return PyUnicode_AsUCS4Copy(text);
}

/* ---- Table methods --------------------------------------------------------------------------------------- */

static int check_kind(PyObject *o, const char *name, int (*check)(PyObject *), const char *what) {
    if (check(o)) return 0;
    PyErr_Format(PyExc_TypeError, "Table(): %s must be a %s, not %.80s", name, what, Py_TYPE(o)->tp_name);
    return -1;
}

static int is_anyset(PyObject *o) { return PyAnySet_Check(o); }
static int is_list(PyObject *o) { return PyList_Check(o); }
static int is_dict(PyObject *o) { return PyDict_Check(o); }
static int is_str(PyObject *o) { return PyUnicode_Check(o); }
static int is_tuple(PyObject *o) { return PyTuple_Check(o); }

static int table_clear(Table *t) {
    Py_CLEAR(t->words);
    Py_CLEAR(t->stems);
    Py_CLEAR(t->stem_ids);
    Py_CLEAR(t->new_idf);
    Py_CLEAR(t->df);
    Py_CLEAR(t->stopwords);
    Py_CLEAR(t->proper);
    return 0;
}

static void table_dealloc(Table *t) {
    PyObject_GC_UnTrack(t);
    table_clear(t);
    for (int k = 0; k < t->n_honorifics; k++) PyMem_Free(t->honorifics[k]);
    free(t->slots);
    free(t->start);
    free(t->length);
    free(t->hash);
    free(t->stem);
    free(t->plain);
    free(t->kind);
    free(t->upper);
    free(t->honorific);
    free(t->chars);
    free(t->seen);
    free(t->idf);
    map_free(&t->stem_map);
    map_free(&t->stop_map);
    map_free(&t->proper_map);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static int table_traverse(Table *t, visitproc visit, void *arg) {
    Py_VISIT(t->words);
    Py_VISIT(t->stems);
    Py_VISIT(t->stem_ids);
    Py_VISIT(t->new_idf);
    Py_VISIT(t->df);
    Py_VISIT(t->stopwords);
    Py_VISIT(t->proper);
    return 0;
}

static int table_init(Table *t, PyObject *args, PyObject *kwargs) {
    PyObject *words, *stems, *stem_ids, *new_idf, *df, *stopwords, *proper, *openers, *honorifics;
    long long n_docs;
    static char *keywords[] = {"words",     "stems",  "stem_ids", "new_idf",    "df", "n_docs",
                               "stopwords", "proper", "openers",  "honorifics", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOLOOOO:Table", keywords, &words, &stems, &stem_ids,
                                     &new_idf, &df, &n_docs, &stopwords, &proper, &openers, &honorifics))
        return -1;
    if (t->slots) {
        PyErr_SetString(PyExc_RuntimeError, "Table() is initialised once");
        return -1;
    }
    if (check_kind(words, "words", is_list, "list") || check_kind(stems, "stems", is_list, "list") ||
        check_kind(stem_ids, "stem_ids", is_dict, "dict") || check_kind(new_idf, "new_idf", is_list, "list") ||
        check_kind(df, "df", is_dict, "dict") || check_kind(stopwords, "stopwords", is_anyset, "set") ||
        check_kind(proper, "proper", is_anyset, "set") || check_kind(openers, "openers", is_str, "str") ||
        check_kind(honorifics, "honorifics", is_tuple, "tuple of str"))
        return -1;
    if (PyList_GET_SIZE(words) != 0) {
        PyErr_SetString(PyExc_ValueError, "Table(): words must start empty (ids are given in order)");
        return -1;
    }
    if (n_docs < 0 || n_docs >= (1LL << 52)) {
        PyErr_SetString(PyExc_ValueError, "Table(): n_docs out of range");
        return -1;
    }
    Py_ssize_t n_openers = PyUnicode_GET_LENGTH(openers);
    Py_ssize_t n_hon = PyTuple_GET_SIZE(honorifics);
    if (n_openers > MAX_OPENERS || n_hon > MAX_HONORIFICS) {
        PyErr_SetString(PyExc_ValueError, "Table(): too many openers or honorifics");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n_openers; i++) t->openers[i] = PyUnicode_READ_CHAR(openers, i);
    t->n_openers = (int)n_openers;
    for (Py_ssize_t k = 0; k < n_hon; k++) {
        Py_ssize_t m;
        Py_UCS4 *h = code_points(PyTuple_GET_ITEM(honorifics, k), &m);
        if (!h) return -1;
        t->honorifics[t->n_honorifics] = h;
        t->honorific_len[t->n_honorifics++] = m;
    }
    t->slots = calloc(1024, sizeof(Slot));
    if (!t->slots) {
        PyErr_NoMemory();
        return -1;
    }
    t->mask = 1023;
    t->n_docs_plus_one = (double)(n_docs + 1);
    int stop_ok = map_of_ascii(&t->stop_map, stopwords);
    int proper_ok = stop_ok < 0 ? -1 : map_of_ascii(&t->proper_map, proper);
    if (stop_ok < 0 || proper_ok < 0) return -1;
    t->ascii_sets = stop_ok && proper_ok;
    if (PyDict_GET_SIZE(stem_ids) != 0 || PyList_GET_SIZE(stems) != 0) {
        PyErr_SetString(PyExc_ValueError, "Table(): stems and stem_ids must start empty (ids are given in order)");
        return -1;
    }
    t->words = Py_NewRef(words);
    t->stems = Py_NewRef(stems);
    t->stem_ids = Py_NewRef(stem_ids);
    t->new_idf = Py_NewRef(new_idf);
    t->df = Py_NewRef(df);
    t->stopwords = Py_NewRef(stopwords);
    t->proper = Py_NewRef(proper);
    return 0;
}

static int ready(Table *t) {
    if (t->slots) return 1;
    PyErr_SetString(PyExc_RuntimeError, "Table() was not initialised");
    return 0;
}

/* ids(words) -> bytes: the int64 ids of a list of words (str), new ones registered (WordTable.word_ids). */
static PyObject *table_ids(Table *t, PyObject *words) {
    if (!ready(t)) return NULL;
    if (!PyList_Check(words)) {
        PyErr_Format(PyExc_TypeError, "ids() takes a list of str, not %.80s", Py_TYPE(words)->tp_name);
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(words);
    PyObject *out = PyBytes_FromStringAndSize(NULL, count * 8);
    if (!out) return NULL;
    int64_t *ids = (int64_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < count; i++) { /* (nothing below runs Python code: the list stays as it is) */
        Py_ssize_t n;
        Py_UCS4 *w = code_points(PyList_GET_ITEM(words, i), &n);
        if (!w) goto fail;
        if (n == 0) {
            PyMem_Free(w);
            PyErr_SetString(PyExc_ValueError, "ids(): a word is never empty");
            goto fail;
        }
        Py_ssize_t id = word_id(t, w, n);
        PyMem_Free(w);
        if (id < 0) goto fail;
        ids[i] = id;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* split(texts) -> (ids, starts, spaced, stems, stem_texts, entities, candidates, word_starts, word_ends, body): each
 * text split as terms.split_words splits it (re.split by WORD: gaps and words alternating), its words given ids
 * (new ones registered), and what coherence._Document reads of the words, as bytes:
 * - ids (int64, every word), starts (int64, len(texts) + 1: each text's first word), spaced (int64: len(text.split()));
 * - the content words' stem ids, texts (int64) and entity marks (bool): an ENTITY_UNLESS_OPENER word is one unless
 *   it opens a sentence (the gap before it ends in a sentence opener, or is blank at the start of its text);
 * - candidates (int64): the first capitalised word of each plain stem, where it opens its text or follows a word
 *   ending like an honorific (_Document.unintroduced looks at these);
 * - each word's start and end (int64) in its text;
 * - body (int64): the content stems' ids, sorted, each once (coherence.analyse's columns). */
static PyObject *table_split(Table *t, PyObject *texts) {
    if (!ready(t)) return NULL;
    if (!PyList_Check(texts)) {
        PyErr_Format(PyExc_TypeError, "split() takes a list of str, not %.80s", Py_TYPE(texts)->tp_name);
        return NULL;
    }
    Buffer ids = {0}, starts = {0}, spaced = {0}, stems = {0}, stem_texts = {0}, entities = {0}, candidates = {0},
           word_starts = {0}, word_ends = {0};
    PyObject *result = NULL, *body = NULL;
    uint64_t *sort_tmp = NULL;
    int64_t total = 0;
    /* a fresh stamp marks the plain stems seen capitalised in this call */
    if (++t->stamp == 0) {
        memset(t->seen, 0, t->seen_cap * sizeof(uint32_t));
        t->stamp = 1;
    }
    /* the buffers sized for the texts' words at once (at most one a letter and the character after it) */
    size_t chars = 0;
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(texts); p++) {
        PyObject *text = PyList_GET_ITEM(texts, p);
        if (PyUnicode_Check(text)) chars += (size_t)PyUnicode_GET_LENGTH(text);
    }
    size_t most = chars / 2 + (size_t)PyList_GET_SIZE(texts) + 16;
    if (reserve_bytes(&ids, 8 * most) || reserve_bytes(&word_starts, 8 * most) || reserve_bytes(&word_ends, 8 * most) ||
        reserve_bytes(&stems, 8 * most) || reserve_bytes(&stem_texts, 8 * most) || reserve_bytes(&entities, most) ||
        reserve_bytes(&starts, 8 * ((size_t)PyList_GET_SIZE(texts) + 1)) ||
        reserve_bytes(&spaced, 8 * ((size_t)PyList_GET_SIZE(texts) + 1)))
        goto done;
    if (put(&starts, &total, 8)) goto done;
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(texts); p++) {
        Py_ssize_t n;
        Py_UCS4 *b = code_points(PyList_GET_ITEM(texts, p), &n);
        if (!b) goto done;
        int64_t tokens = 0, text_id = p;
        int in_token = 0;
        for (Py_ssize_t i = 0; i < n; i++) { /* str.split(): runs of non-whitespace */
            int space = Py_UNICODE_ISSPACE(b[i]);
            tokens += !space && !in_token;
            in_token = !space;
        }
        Py_ssize_t i = 0, gap = 0, previous = -1;
        while (i < n) {
            if (!is_letter(b[i])) {
                i++;
                continue;
            }
            Py_ssize_t start = i;
            i = word_end(b, i, n);
            Py_ssize_t id = word_id(t, b + start, i - start);
            if (id < 0) {
                PyMem_Free(b);
                goto done;
            }
            int64_t id64 = id, s64 = start, e64 = i;
            int first = previous < 0; /* the text's first word */
            int failed = put(&ids, &id64, 8) || put(&word_starts, &s64, 8) || put(&word_ends, &e64, 8);
            if (!failed && t->stem[id] >= 0) {
                uint8_t entity = t->kind[id] == 1;
                if (t->kind[id] == 2) { /* WordTable.gap_codes: the gap's last non-whitespace character */
                    Py_ssize_t last = start - 1;
                    while (last >= gap && Py_UNICODE_ISSPACE(b[last])) last--;
                    int opener = last < gap ? first : 0;
                    for (int k = 0; last >= gap && k < t->n_openers; k++)
                        if (b[last] == t->openers[k]) opener = 1;
                    entity = !opener;
                }
                failed = put(&stems, &t->stem[id], 8) || put(&stem_texts, &text_id, 8) || put(&entities, &entity, 1);
            }
            if (!failed && t->upper[id]) {
                int64_t plain = t->plain[id];
                if (plain >= (int64_t)t->seen_cap) { /* room for every stem id so far */
                    size_t cap = (size_t)PyList_GET_SIZE(t->stems) + 1024;
                    if (cap <= (size_t)plain) cap = (size_t)plain + 1024;
                    uint32_t *seen = realloc(t->seen, cap * sizeof(uint32_t));
                    if (!seen) {
                        PyErr_NoMemory();
                        failed = 1;
                    } else {
                        memset(seen + t->seen_cap, 0, (cap - t->seen_cap) * sizeof(uint32_t));
                        t->seen = seen;
                        t->seen_cap = cap;
                    }
                }
                if (!failed && t->seen[plain] != t->stamp) {
                    t->seen[plain] = t->stamp;
                    /* (np.maximum(pos - 1, 0): the word before, or the first word itself) */
                    int64_t before = total > 0 ? ((int64_t *)ids.data)[total - 1] : id64;
                    if (first || t->honorific[before]) failed = put(&candidates, &total, 8);
                }
            }
            if (failed) {
                PyMem_Free(b);
                goto done;
            }
            total++;
            previous = id;
            gap = i;
        }
        PyMem_Free(b);
        if (put(&starts, &total, 8) || put(&spaced, &tokens, 8)) goto done;
    }
    /* the body's stems: the content stems' ids, sorted and each once (arrays.unique, np.unique's values) */
    Py_ssize_t k = (Py_ssize_t)(stems.len / 8), distinct = 0;
    body = PyBytes_FromStringAndSize(NULL, k * 8);
    sort_tmp = PyMem_Malloc((k ? k : 1) * sizeof(uint64_t));
    if (!body || !sort_tmp) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    uint64_t *sorted = (uint64_t *)PyBytes_AS_STRING(body); /* (stem ids are not negative: their order as uint64) */
    if (k) memcpy(sorted, stems.data, k * 8);
    sort_u64(sorted, sort_tmp, k);
    for (Py_ssize_t i = 0; i < k; i++)
        if (!distinct || sorted[distinct - 1] != sorted[i]) sorted[distinct++] = sorted[i];
    if (_PyBytes_Resize(&body, distinct * 8) < 0) goto done; /* (body is NULL then) */
    result = Py_BuildValue("(NNNNNNNNNN)", take_bytes(&ids), take_bytes(&starts), take_bytes(&spaced),
                           take_bytes(&stems), take_bytes(&stem_texts), take_bytes(&entities),
                           take_bytes(&candidates), take_bytes(&word_starts), take_bytes(&word_ends), body);
    body = NULL; /* (stolen by "N") */
done:
    Py_XDECREF(body);
    PyMem_Free(sort_tmp);
    PyMem_Free(ids.data);
    PyMem_Free(starts.data);
    PyMem_Free(spaced.data);
    PyMem_Free(stems.data);
    PyMem_Free(stem_texts.data);
    PyMem_Free(entities.data);
    PyMem_Free(candidates.data);
    PyMem_Free(word_starts.data);
    PyMem_Free(word_ends.data);
    return result;
}

/* facts(start, stop) -> (stem, kind, upper, plain, honorific) of word ids start..stop-1: bytes of int64,
 * int8, bool, int64, bool, for WordTable.settle to write into its arrays. */
static PyObject *table_facts(Table *t, PyObject *args) {
    Py_ssize_t start, stop;
    if (!ready(t) || !PyArg_ParseTuple(args, "nn:facts", &start, &stop)) return NULL;
    if (start < 0 || stop < start || stop > t->n) {
        PyErr_Format(PyExc_IndexError, "facts(%zd, %zd): the table has %zd words", start, stop, t->n);
        return NULL;
    }
    Py_ssize_t k = stop - start;
    return Py_BuildValue("(y#y#y#y#y#)", (const char *)(t->stem + start), k * 8, (const char *)(t->kind + start), k,
                         (const char *)(t->upper + start), k, (const char *)(t->plain + start), k * 8,
                         (const char *)(t->honorific + start), k);
}

/* stem_id(stem) -> int: WordTable.stem_id, the stem registered (its IDF noted) when new. */
static PyObject *table_stem_id(Table *t, PyObject *stem) {
    if (!ready(t)) return NULL;
    if (!PyUnicode_CheckExact(stem)) {
        PyErr_Format(PyExc_TypeError, "stem_id() takes a str, not %.80s", Py_TYPE(stem)->tp_name);
        return NULL;
    }
    Py_ssize_t n;
    Py_UCS4 *w = code_points(stem, &n);
    if (!w) return NULL;
    Py_ssize_t id = stem_id(t, w, n, stem);
    PyMem_Free(w);
    return id < 0 ? NULL : PyLong_FromSsize_t(id);
}

/* idf(start, stop) -> bytes: the IDFs (float64) of stem ids start..stop-1, for WordTable.settle. */
static PyObject *table_idf(Table *t, PyObject *args) {
    Py_ssize_t start, stop;
    if (!ready(t) || !PyArg_ParseTuple(args, "nn:idf", &start, &stop)) return NULL;
    if (start < 0 || stop < start || stop > PyList_GET_SIZE(t->stems)) {
        PyErr_Format(PyExc_IndexError, "idf(%zd, %zd): the table has %zd stems", start, stop,
                     PyList_GET_SIZE(t->stems));
        return NULL;
    }
    return PyBytes_FromStringAndSize(stop > start ? (const char *)(t->idf + start) : "", (stop - start) * 8);
}

/* idf_of(columns) -> bytes: the IDFs (float64) of the stem ids in `columns` (int64), in its order. */
static PyObject *table_idf_of(Table *t, PyObject *columns) {
    if (!ready(t)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(columns, &view, PyBUF_SIMPLE) < 0) return NULL;
    Py_ssize_t k = view.len / 8, n = PyList_GET_SIZE(t->stems);
    const int64_t *ids = view.buf;
    PyObject *out = PyBytes_FromStringAndSize(NULL, k * 8);
    if (out) {
        double *idf = (double *)PyBytes_AS_STRING(out);
        for (Py_ssize_t i = 0; i < k; i++) {
            if (ids[i] < 0 || ids[i] >= n) {
                PyErr_Format(PyExc_IndexError, "idf_of(): stem id %lld out of range", (long long)ids[i]);
                Py_CLEAR(out);
                break;
            }
            idf[i] = t->idf[ids[i]];
        }
    }
    PyBuffer_Release(&view);
    return out;
}

static Py_ssize_t table_len(Table *t) { return t->n; }

static PyMethodDef table_methods[] = {
    {"ids", (PyCFunction)table_ids, METH_O, "ids(words: list[str]) -> bytes: int64 word ids, new words registered."},
    {"split", (PyCFunction)table_split, METH_O,
     "split(texts: list[str]) -> (ids, starts, spaced, stems, stem_texts, entities, candidates, word_starts, "
     "word_ends, body) as bytes: the words of the texts and what coherence._Document reads of them."},
    {"facts", (PyCFunction)table_facts, METH_VARARGS,
     "facts(start, stop) -> (stem, kind, upper, plain, honorific) of those word ids as bytes "
     "(int64, int8, bool, int64, bool)."},
    {"stem_id", (PyCFunction)table_stem_id, METH_O, "stem_id(stem: str) -> int: the stem's id, registered when new."},
    {"idf", (PyCFunction)table_idf, METH_VARARGS, "idf(start, stop) -> bytes: the IDFs (float64) of those stem ids."},
    {"idf_of", (PyCFunction)table_idf_of, METH_O,
     "idf_of(columns: int64 buffer) -> bytes: the IDFs (float64) of the stem ids in columns."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods table_sequence = {.sq_length = (lenfunc)table_len};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cleaner._terms_core.Table",
    .tp_doc = "Table(words, stems, stem_ids, new_idf, df, n_docs, stopwords, proper, openers, honorifics): word "
              "ids and facts for one cleaner.terms.WordTable, whose lists and dict it appends to.",
    .tp_basicsize = sizeof(Table),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)table_init,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_traverse = (traverseproc)table_traverse,
    .tp_clear = (inquiry)table_clear,
    .tp_methods = table_methods,
    .tp_as_sequence = &table_sequence,
};

/* paragraphs(paragraphs, olds, news) -> (numbers, texts): the 1-based numbers of the paragraphs that are not
 * blank (text.strip()) and those paragraphs normalised as terms.normalize does (each character of `olds` made the
 * character of `news` at its place; a paragraph without one is given back as it is): coherence._Document's first
 * loop, without a Python call a paragraph. */
static PyObject *paragraphs(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *list, *olds, *news;
    if (!PyArg_ParseTuple(args, "O!UU:paragraphs", &PyList_Type, &list, &olds, &news)) return NULL;
    Py_ssize_t n_pairs = PyUnicode_GET_LENGTH(olds);
    if (PyUnicode_GET_LENGTH(news) != n_pairs || n_pairs > 16) {
        PyErr_SetString(PyExc_ValueError, "paragraphs: olds and news of one length (at most 16)");
        return NULL;
    }
    Py_UCS4 old_chars[16];
    PyObject *old_strs[16] = {NULL}, *new_strs[16] = {NULL};
    PyObject *numbers = PyList_New(0), *texts = PyList_New(0), *result = NULL;
    if (!numbers || !texts) goto done;
    for (Py_ssize_t k = 0; k < n_pairs; k++) {
        old_chars[k] = PyUnicode_READ_CHAR(olds, k);
        if (!(old_strs[k] = PyUnicode_Substring(olds, k, k + 1)) || !(new_strs[k] = PyUnicode_Substring(news, k, k + 1)))
            goto done;
    }
    for (Py_ssize_t p = 0; p < PyList_GET_SIZE(list); p++) {
        PyObject *text = PyList_GET_ITEM(list, p);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "paragraphs: a list of str");
            goto done;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
        while (i < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))) i++;
        if (i == n) continue; /* blank */
        PyObject *number = PyLong_FromSsize_t(p + 1);
        if (!number || PyList_Append(numbers, number) < 0) {
            Py_XDECREF(number);
            goto done;
        }
        Py_DECREF(number);
        PyObject *normal = NULL;
        if (!PyUnicode_IS_ASCII(text)) { /* (ASCII text has none of the characters) */
            /* terms.normalize's own steps: a replace for each character the text has (found by str's fast search) */
            for (Py_ssize_t k = 0; k < n_pairs; k++) {
                PyObject *current = normal ? normal : text;
                Py_ssize_t at = PyUnicode_FindChar(current, old_chars[k], 0, n, 1);
                if (at == -2) {
                    Py_XDECREF(normal);
                    goto done;
                }
                if (at < 0) continue;
                PyObject *replaced = PyUnicode_Replace(current, old_strs[k], new_strs[k], -1);
                Py_XDECREF(normal);
                normal = replaced;
                if (!normal) goto done;
            }
        }
        if (!normal) normal = Py_NewRef(text);
        int failed = PyList_Append(texts, normal);
        Py_DECREF(normal);
        if (failed) goto done;
    }
    result = PyTuple_Pack(2, numbers, texts);
done:
    for (Py_ssize_t k = 0; k < n_pairs; k++) {
        Py_XDECREF(old_strs[k]);
        Py_XDECREF(new_strs[k]);
    }
    Py_XDECREF(numbers);
    Py_XDECREF(texts);
    return result;
}

/* split_words(text) -> list[str]: terms.split_words (re.split by WORD: gaps and words, alternating). */
static PyObject *split_words(PyObject *Py_UNUSED(module), PyObject *text) {
    Py_ssize_t n;
    Py_UCS4 *b = code_points(text, &n);
    if (!b) return NULL;
    PyObject *parts = PyList_New(0);
    Py_ssize_t i = 0, gap = 0;
    while (parts && i < n) {
        if (!is_letter(b[i])) {
            i++;
            continue;
        }
        Py_ssize_t start = i;
        i = word_end(b, i, n);
        PyObject *before = PyUnicode_Substring(text, gap, start);
        PyObject *word = before ? PyUnicode_Substring(text, start, i) : NULL;
        if (!word || PyList_Append(parts, before) || PyList_Append(parts, word)) Py_CLEAR(parts);
        Py_XDECREF(before);
        Py_XDECREF(word);
        gap = i;
    }
    if (parts) {
        PyObject *after = PyUnicode_Substring(text, gap, n);
        if (!after || PyList_Append(parts, after)) Py_CLEAR(parts);
        Py_XDECREF(after);
    }
    PyMem_Free(b);
    return parts;
}

/* ---- the incoherence scorer's unit matrix (cleaner.scorers.coherence.analyse) ---------------------------- */


/* pairwise_sum (above) of at * (all - at), at * at and (all - at) * (all - at) over n columns at once, each
 * product rounded as numpy's temporary arrays hold it and added in pairwise_sum's order: one pass over a split's
 * prefix (at) and the whole (all) in place of three (the two halves of a split have most of the columns). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
/* (with AVX where the processor has it, chosen at load: the same additions and multiplications, four at a time; no
 * fused multiply-add, which the "avx" target does not have) */
__attribute__((target_clones("avx", "default")))
#endif
static void split_sums(const double *at, const double *all, Py_ssize_t n, double s[3]) {
    if (n < 8) {
        double a = 0., b = 0., c = 0.;
        for (Py_ssize_t i = 0; i < n; i++) {
            double x = at[i], y = all[i] - at[i];
            a += x * y;
            b += x * x;
            c += y * y;
        }
        s[0] = a, s[1] = b, s[2] = c;
        return;
    }
    if (n <= 128) {
        double ra[8], rb[8], rc[8];
        Py_ssize_t i;
        for (int j = 0; j < 8; j++) {
            double x = at[j], y = all[j] - at[j];
            ra[j] = x * y;
            rb[j] = x * x;
            rc[j] = y * y;
        }
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) {
                double x = at[i + j], y = all[i + j] - at[i + j];
                ra[j] += x * y;
                rb[j] += x * x;
                rc[j] += y * y;
            }
        double a = ((ra[0] + ra[1]) + (ra[2] + ra[3])) + ((ra[4] + ra[5]) + (ra[6] + ra[7]));
        double b = ((rb[0] + rb[1]) + (rb[2] + rb[3])) + ((rb[4] + rb[5]) + (rb[6] + rb[7]));
        double c = ((rc[0] + rc[1]) + (rc[2] + rc[3])) + ((rc[4] + rc[5]) + (rc[6] + rc[7]));
        for (; i < n; i++) {
            double x = at[i], y = all[i] - at[i];
            a += x * y;
            b += x * x;
            c += y * y;
        }
        s[0] = a, s[1] = b, s[2] = c;
        return;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    double l[3], r[3];
    split_sums(at, all, n2, l);
    split_sums(at + n2, all + n2, n - n2, r);
    for (int q = 0; q < 3; q++) s[q] = l[q] + r[q];
}

/* (x * y).sum() over a row of m: the products rounded into `tmp` first, as numpy's temporary array holds them,
 * then added to the reduction's initial 0.0 */
static double dot_row(const double *x, const double *y, Py_ssize_t m, double *tmp) {
    for (Py_ssize_t j = 0; j < m; j++) tmp[j] = x[j] * y[j];
    return 0.0 + pairwise_sum(tmp, m);
}

/* numpy's pairwise summation of a float64 array of n values (pairwise_sum in its loops: runs under 8 summed in
 * order, blocks of up to 128 in 8 interleaved partial sums, longer runs halved at a multiple of 8), which
 * `.sum(axis=...)` uses along a contiguous row, given only the k values that may be non-zero: val[i] at position
 * pos[i] (increasing; `lo` is where the array starts). Why: a unit's row has a few dozen of the document's
 * hundreds of columns, and a zero adds nothing (x + 0.0 is x; only the sign of a zero total can differ, and the
 * callers add the total to the reduction's initial 0.0, which makes it +0.0), so the same additions of the other
 * values in the same places of the same tree give the same bits, in time proportional to k (worth it on
 * a row or a window of two; the halves of a split have most columns, and pairwise_sum's loops vectorise). */
static double sparse_sum(const int32_t *pos, const double *val, Py_ssize_t k, Py_ssize_t lo, Py_ssize_t n) {
    if (n < 8) {
        double res = 0.;
        for (Py_ssize_t i = 0; i < k; i++) res += val[i];
        return res;
    }
    if (n <= 128) {
        double r[8] = {0., 0., 0., 0., 0., 0., 0., 0.}; /* (numpy starts r[j] at a[j]: 0.0 + a[j] is a[j]) */
        Py_ssize_t end = lo + n - (n % 8), i = 0;
        for (; i < k && pos[i] < end; i++) r[(pos[i] - lo) & 7] += val[i];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < k; i++) res += val[i];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    Py_ssize_t a = 0, b = k; /* the first value in the second half */
    while (a < b) {
        Py_ssize_t mid = (a + b) / 2;
        if (pos[mid] < lo + n2) a = mid + 1;
        else b = mid;
    }
    return sparse_sum(pos, val, a, lo, n2) + sparse_sum(pos + a, val + a, k - a, lo + n2, n - n2);
}

/* (x * y).sum() of two rows of m where only the columns pos[0..k) can be non-zero in x: the products rounded
 * into `tmp` first, as numpy's temporary array holds them, then added to the reduction's initial 0.0 */
static double dot_at(const double *x, const double *y, const int32_t *pos, Py_ssize_t k, Py_ssize_t m, double *tmp) {
    for (Py_ssize_t i = 0; i < k; i++) tmp[i] = x[pos[i]] * y[pos[i]];
    return 0.0 + sparse_sum(pos, tmp, k, 0, m);
}

/* ((a - b) * (c - d)).sum() over rows of m where only the columns pos[0..k) can be non-zero in a - b (the
 * differences rounded first, as numpy's temporary arrays hold them) */
static double dot_diff_at(const double *a, const double *b, const double *c, const double *d, const int32_t *pos,
                          Py_ssize_t k, Py_ssize_t m, double *tmp) {
    for (Py_ssize_t i = 0; i < k; i++) {
        Py_ssize_t j = pos[i];
        double x = a[j] - b[j], y = c[j] - d[j];
        tmp[i] = x * y;
    }
    return 0.0 + sparse_sum(pos, tmp, k, 0, m);
}

/* The sorted union of two increasing lists of columns into `out`; returns its length. */
static Py_ssize_t merge(const int32_t *a, Py_ssize_t na, const int32_t *b, Py_ssize_t nb, int32_t *out) {
    Py_ssize_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j]) out[k++] = a[i++];
        else if (b[j] < a[i]) out[k++] = b[j++];
        else {
            out[k++] = a[i++];
            j++;
        }
    }
    while (i < na) out[k++] = a[i++];
    while (j < nb) out[k++] = b[j++];
    return k;
}

/* unit_matrix(stems, units, entities, body, n, idf, logs, anchor, rare_idf, chain_idf[, n_lead]) -> (present, vecs,
 * total, neigh, shifts, splits, crossings, mentions, linked, lead, rest, tail, squares): what coherence.analyse
 * computes with numpy over the units'
 * TF-IDF matrix (n units by m = len(idf) columns: the sorted stem ids `body`, then the headline's other stems),
 * with its float operations in numpy's order (the same bits). In: the content words' stem ids (int64), units
 * (int64) and entity marks (bool); `logs[c - 1]` = np.log(c) for the counts; `anchor`: the headline's columns
 * (int64). Out (bytes): present and vecs (n, m) bool and float64; total (m: the sum of the rows, as np.cumsum
 * adds them); neigh (n); shifts, splits, crossings (n - 1, float64); mentions and linked (n, bool); lead, rest and
 * tail (m: the sums of the first n_lead rows, of the rows from 1 and from n // 2, as np.add.reduce adds them);
 * squares (one float64: (vecs * vecs).sum()).
 * Each row's columns (`cols`, from `row_at`) are listed once, and the sums run over the columns that can be
 * non-zero (sparse_sum): a window's (or a side's) columns are the union of its units'. */
static PyObject *unit_matrix(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer stems, units, entities, body, idf, logs, anchor;
    Py_ssize_t n;
    double rare_idf, chain_idf;
    Py_ssize_t n_lead = 0;
    if (!PyArg_ParseTuple(args, "y*y*y*y*ny*y*y*dd|n:unit_matrix", &stems, &units, &entities, &body, &n, &idf, &logs,
                          &anchor, &rare_idf, &chain_idf, &n_lead))
        return NULL;
    enum { ENTITY = 1, KEY = 2, CHAIN = 4, ANCHOR = 8, SHARED = 16 }; /* flags of a cell (ANCHOR, SHARED: row 0) */
    PyObject *result = NULL;
    Py_ssize_t k = stems.len / 8, nb = body.len / 8, m = idf.len / 8, n_logs = logs.len / 8, na = anchor.len / 8;
    int32_t *counts = NULL, *first = NULL, *last = NULL, *cols = NULL, *bufs = NULL;
    Py_ssize_t *row_at = NULL;
    int64_t *spans = NULL;
    uint8_t *flags = NULL;
    double *cum = NULL, *tmp = NULL, *weights = NULL, *self_dots = NULL;
    PyObject *out[13] = {NULL};
    if (units.len != k * 8 || entities.len != k || nb > m || n < 0 || (k > 0 && n == 0) || stems.len % 8 ||
        body.len % 8 || idf.len % 8 || logs.len % 8 || anchor.len % 8) {
        PyErr_SetString(PyExc_ValueError, "unit_matrix: stems and units int64, entities bool of one length; body "
                                          "int64 no longer than idf float64; n > 0 when there are stems");
        goto done;
    }
    if (n > 0 && m > PY_SSIZE_T_MAX / 16 / (n + 1)) {
        PyErr_NoMemory();
        goto done;
    }
    if (m > INT32_MAX / 2) {
        PyErr_SetString(PyExc_OverflowError, "unit_matrix: too many columns");
        goto done;
    }
    const int64_t *st = stems.buf, *un = units.buf, *bd = body.buf, *an = anchor.buf;
    const uint8_t *en = entities.buf;
    const double *idfs = idf.buf, *lg = logs.buf;
    size_t cells = (size_t)n * (size_t)m + 1, row = (size_t)m + 1;
    counts = calloc(cells, sizeof(int32_t));
    flags = calloc(cells + row, 1);
    first = malloc(row * sizeof(int32_t));
    last = malloc(row * sizeof(int32_t));
    cols = malloc(((size_t)k + 1) * sizeof(int32_t)); /* each row's columns: at most one per word */
    bufs = malloc(2 * row * sizeof(int32_t)); /* the unions of the columns of two windows */
    row_at = malloc(((size_t)n + 2) * sizeof(Py_ssize_t));
    spans = calloc((size_t)n + 2, sizeof(int64_t) * 3);
    cum = malloc((cells + row) * sizeof(double));
    tmp = malloc(row * sizeof(double));
    weights = malloc(row * sizeof(double));
    self_dots = malloc(((size_t)n + 1) * sizeof(double));
    if (!counts || !flags || !first || !last || !cols || !bufs || !row_at || !spans || !cum || !tmp || !weights ||
        !self_dots) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t bounds = n ? n - 1 : 0;
    if (n_lead < 0 || n_lead > n) {
        PyErr_SetString(PyExc_ValueError, "unit_matrix: n_lead out of [0, n]");
        goto done;
    }
    Py_ssize_t sizes[13] = {n * m, n * m * 8, m * 8, n * 8, bounds * 8, bounds * 8, bounds * 8, n, n, m * 8, m * 8, m * 8,
                            8};
    for (int o = 0; o < 13; o++)
        if (!(out[o] = PyBytes_FromStringAndSize(NULL, sizes[o]))) goto done;
    uint8_t *present = (uint8_t *)PyBytes_AS_STRING(out[0]);
    double *vecs = (double *)PyBytes_AS_STRING(out[1]);
    double *total = (double *)PyBytes_AS_STRING(out[2]);
    double *neigh = (double *)PyBytes_AS_STRING(out[3]);
    double *shifts = (double *)PyBytes_AS_STRING(out[4]);
    double *splits = (double *)PyBytes_AS_STRING(out[5]);
    double *crossings = (double *)PyBytes_AS_STRING(out[6]);
    uint8_t *mentions = (uint8_t *)PyBytes_AS_STRING(out[7]);
    uint8_t *linked = (uint8_t *)PyBytes_AS_STRING(out[8]);
    int32_t *u1 = bufs, *u2 = bufs + row; /* two unions (a window's columns, or a side's, and the next) */

    /* counts and entity marks: np.bincount over unit * m + np.searchsorted(body, stem) */
    for (Py_ssize_t w = 0; w < k; w++) {
        Py_ssize_t lo = 0, hi = nb;
        while (lo < hi) {
            Py_ssize_t mid = (lo + hi) / 2;
            if (bd[mid] < st[w]) lo = mid + 1;
            else hi = mid;
        }
        if (lo == nb || bd[lo] != st[w] || un[w] < 0 || un[w] >= n) {
            PyErr_SetString(PyExc_ValueError, "unit_matrix: a stem not in body, or a unit out of range");
            goto done;
        }
        size_t cell = (size_t)un[w] * m + lo;
        counts[cell]++;
        if (en[w]) flags[cell] |= ENTITY;
    }
    for (Py_ssize_t a = 0; a < na; a++) {
        if (an[a] < 0 || an[a] >= m) {
            PyErr_SetString(PyExc_ValueError, "unit_matrix: an anchor column out of range");
            goto done;
        }
    }
    /* _unit_vectors: weights (1 + log(count)) * idf, each row divided by its norm (zero rows stay zero); keys
     * (entities and rare terms) and chains (entities and rarer terms), on the row's columns (entities are
     * counted cells) */
    if (n > 0 && m > 0) memset(vecs, 0, (size_t)(n * m) * sizeof(double));
    Py_ssize_t nnz = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        row_at[i] = nnz;
        for (Py_ssize_t j = 0; j < m; j++) {
            size_t c = (size_t)i * m + j;
            int32_t count = counts[c];
            present[c] = count > 0;
            if (count > 0) {
                if (count > n_logs) {
                    PyErr_SetString(PyExc_ValueError, "unit_matrix: logs does not reach the largest count");
                    goto done;
                }
                weights[nnz - row_at[i]] = (1.0 + lg[count - 1]) * idfs[j];
                cols[nnz++] = (int32_t)j;
                if (idfs[j] >= rare_idf) flags[c] |= KEY;
                if (idfs[j] >= chain_idf) flags[c] |= CHAIN;
                if (flags[c] & ENTITY) flags[c] |= KEY | CHAIN;
            }
        }
        const int32_t *ci = cols + row_at[i];
        Py_ssize_t ki = nnz - row_at[i];
        for (Py_ssize_t q = 0; q < ki; q++) tmp[q] = weights[q] * weights[q];
        double norm = sqrt(0.0 + sparse_sum(ci, tmp, ki, 0, m));
        double *v = vecs + i * m;
        for (Py_ssize_t q = 0; q < ki; q++) v[ci[q]] = norm > 0 ? weights[q] / norm : 0.0;
        self_dots[i] = dot_at(v, v, ci, ki, m, tmp);
    }
    row_at[n] = nnz;
#define COLS(i) (cols + row_at[i])
#define NCOLS(i) (row_at[(i) + 1] - row_at[i])
    /* neighbours: each unit against the sum of the units before and after it (zero rows beyond the ends) */
    for (Py_ssize_t i = 0; i < n; i++) {
        const double *v = vecs + i * m;
        const double *before = i > 0 ? vecs + (i - 1) * m : NULL, *after = i + 1 < n ? vecs + (i + 1) * m : NULL;
        Py_ssize_t ku = merge(i > 0 ? COLS(i - 1) : NULL, i > 0 ? NCOLS(i - 1) : 0, i + 1 < n ? COLS(i + 1) : NULL,
                              i + 1 < n ? NCOLS(i + 1) : 0, u1);
        /* right = padded[i] + padded[i + 2]: the columns of the unit itself, then those of its neighbours */
        const int32_t *ci = COLS(i);
        Py_ssize_t ki = NCOLS(i);
        for (Py_ssize_t q = 0; q < ki; q++) {
            Py_ssize_t j = ci[q];
            double right = (before ? before[j] : 0.0) + (after ? after[j] : 0.0);
            tmp[q] = v[j] * right;
        }
        double dots = 0.0 + sparse_sum(ci, tmp, ki, 0, m);
        for (Py_ssize_t q = 0; q < ku; q++) {
            Py_ssize_t j = u1[q];
            double right = (before ? before[j] : 0.0) + (after ? after[j] : 0.0);
            tmp[q] = right * right;
        }
        double norms = sqrt(self_dots[i] * (0.0 + sparse_sum(u1, tmp, ku, 0, m)));
        neigh[i] = norms > 0 ? dots / norms : 0.0;
    }
    /* cumulative sums of the rows (row b: the units before b; a row adds only its own columns, x + 0.0 being x) */
    memset(cum, 0, row * sizeof(double));
    for (Py_ssize_t b = 1; b <= n; b++) {
        double *c = cum + b * m;
        const double *v = vecs + (b - 1) * m;
        if (b == 1) {
            memcpy(c, v, m * sizeof(double));
            continue;
        }
        memcpy(c, c - m, m * sizeof(double));
        for (Py_ssize_t q = 0; q < NCOLS(b - 1); q++) {
            Py_ssize_t j = COLS(b - 1)[q];
            c[j] = c[j - m] + v[j];
        }
    }
    if (n > 0) memcpy(total, cum + n * m, m * sizeof(double));
    /* shifts (two units either side of a boundary): their columns are the unions of those units' */
    const double *all = cum + n * m;
    for (Py_ssize_t b = 1; b < n; b++) {
        const double *at = cum + b * m, *back = cum + (b >= 2 ? b - 2 : 0) * m;
        const double *ahead = cum + (b + 2 < n ? b + 2 : n) * m;
        Py_ssize_t kl = b >= 2 ? merge(COLS(b - 2), NCOLS(b - 2), COLS(b - 1), NCOLS(b - 1), u1)
                               : merge(COLS(0), NCOLS(0), NULL, 0, u1);
        Py_ssize_t kr = b + 1 < n ? merge(COLS(b), NCOLS(b), COLS(b + 1), NCOLS(b + 1), u2)
                                  : merge(COLS(b), NCOLS(b), NULL, 0, u2);
        double dots = dot_diff_at(at, back, ahead, at, u1, kl, m, tmp);
        double norms = sqrt(dot_diff_at(at, back, at, back, u1, kl, m, tmp) *
                            dot_diff_at(ahead, at, ahead, at, u2, kr, m, tmp));
        shifts[b - 1] = norms > 0.0 ? dots / norms : 0.0;
    }
    /* splits (all units either side): dense, as the halves have most of the columns; the three sums in one pass */
    for (Py_ssize_t b = 1; b < n; b++) {
        double sums[3];
        split_sums(cum + b * m, all, m, sums);
        double dots = 0.0 + sums[0];
        double norms = sqrt((0.0 + sums[1]) * (0.0 + sums[2]));
        splits[b - 1] = norms > 1e-12 ? dots / norms : 0.0;
    }
    /* mentions: units with a key among the first unit's keys and the headline's columns; linked: units with a
     * key that another unit has too (the flags row after the matrix holds the columns' marks; keys and chains
     * are counted cells, on the rows' columns) */
    uint8_t *marks = flags + (size_t)n * m;
    if (n > 0) {
        for (Py_ssize_t q = 0; q < NCOLS(0); q++) {
            Py_ssize_t j = COLS(0)[q];
            if (flags[j] & KEY) marks[j] = ANCHOR;
        }
        for (Py_ssize_t a = 0; a < na; a++) marks[an[a]] |= ANCHOR;
        int32_t *keyed = first; /* (first is filled again below) */
        memset(keyed, 0, m * sizeof(int32_t));
        for (Py_ssize_t i = 0; i < n; i++)
            for (Py_ssize_t q = 0; q < NCOLS(i); q++) {
                Py_ssize_t j = COLS(i)[q];
                if ((flags[(size_t)i * m + j] & KEY) && ++keyed[j] == 2) marks[j] |= SHARED;
            }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        uint8_t any = 0;
        for (Py_ssize_t q = 0; q < NCOLS(i); q++) {
            Py_ssize_t j = COLS(i)[q];
            any |= flags[(size_t)i * m + j] & KEY ? marks[j] : 0;
        }
        mentions[i] = (any & ANCHOR) != 0;
        linked[i] = (any & SHARED) != 0;
    }
    /* lexical chains at boundary b (between units b - 1 and b): a column is before it when its first chain cell
     * is in a unit < b, after it when its last one is in a unit >= b (np.logical_or.accumulate either way), on
     * both sides when it spans b; shared over the smaller side's count (at least 1) */
    int64_t *n_first = spans, *n_last = spans + n + 2, *span = spans + 2 * (n + 2);
    for (Py_ssize_t j = 0; j < m; j++) first[j] = last[j] = -1;
    for (Py_ssize_t i = 0; i < n; i++)
        for (Py_ssize_t q = 0; q < NCOLS(i); q++) {
            Py_ssize_t j = COLS(i)[q];
            if (flags[(size_t)i * m + j] & CHAIN) {
                if (first[j] < 0) first[j] = (int32_t)i;
                last[j] = (int32_t)i;
            }
        }
#undef COLS
#undef NCOLS
    for (Py_ssize_t j = 0; j < m; j++) {
        if (first[j] >= 0) {
            n_first[first[j]]++;
            n_last[last[j]]++;
            span[first[j] + 1]++;
            span[last[j] + 1]--;
        }
    }
    int64_t before = 0, after = 0, shared = 0;
    for (Py_ssize_t i = 0; i < n; i++) after += n_last[i];
    for (Py_ssize_t b = 1; b < n; b++) {
        before += n_first[b - 1];
        after -= n_last[b - 1];
        shared += span[b] + (b == 1 ? span[0] : 0);
        int64_t smaller = before < after ? before : after;
        if (smaller < 1) smaller = 1;
        crossings[b - 1] = (double)shared / (double)smaller;
    }
    /* np.add.reduce(vecs[a:], axis=0) for a = 1 and n // 2 (rows added in order: a row adds its own columns, x +
     * 0.0 being x), and of the first n_lead rows (the cumulative sums' row); then (vecs * vecs).sum(): numpy's
     * pairwise sum over the matrix's cells in order, of which only the rows' columns are not zero */
    double *lead_sum = (double *)PyBytes_AS_STRING(out[9]), *rest_sum = (double *)PyBytes_AS_STRING(out[10]),
           *tail_sum = (double *)PyBytes_AS_STRING(out[11]);
    if (m > 0) memcpy(lead_sum, cum + n_lead * m, m * sizeof(double));
    Py_ssize_t froms[2] = {1, n / 2};
    double *sums2[2] = {rest_sum, tail_sum};
    for (int w = 0; w < 2; w++) {
        double *acc = sums2[w];
        for (Py_ssize_t j = 0; j < m; j++) acc[j] = 0.0;
        for (Py_ssize_t i = froms[w]; i < n; i++) {
            const double *v = vecs + i * m;
            for (Py_ssize_t q = row_at[i]; q < row_at[i + 1]; q++) acc[cols[q]] += v[cols[q]];
        }
    }
    double squares = 0.0;
    if (nnz > 0) {
        if ((size_t)n * (size_t)m <= (size_t)INT32_MAX) {
            int32_t *flat = malloc((size_t)nnz * sizeof(int32_t));
            double *products = malloc((size_t)nnz * sizeof(double));
            if (!flat || !products) {
                free(flat);
                free(products);
                PyErr_NoMemory();
                goto done;
            }
            for (Py_ssize_t i = 0; i < n; i++)
                for (Py_ssize_t q = row_at[i]; q < row_at[i + 1]; q++) {
                    double x = vecs[i * m + cols[q]];
                    flat[q] = (int32_t)(i * m + cols[q]);
                    products[q] = x * x;
                }
            squares = sparse_sum(flat, products, nnz, 0, n * m);
            free(flat);
            free(products);
        } else { /* (a matrix too large for int32 places: its products, all of them) */
            double *products = malloc((size_t)n * m * sizeof(double));
            if (!products) {
                PyErr_NoMemory();
                goto done;
            }
            for (Py_ssize_t c = 0; c < n * m; c++) products[c] = vecs[c] * vecs[c];
            squares = pairwise_sum(products, n * m);
            free(products);
        }
    }
    memcpy(PyBytes_AS_STRING(out[12]), &squares, 8);
    result = PyTuple_Pack(13, out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7], out[8], out[9], out[10],
                          out[11], out[12]);
done:
    free(counts);
    free(flags);
    free(first);
    free(last);
    free(cols);
    free(bufs);
    free(row_at);
    free(spans);
    free(cum);
    free(tmp);
    free(weights);
    free(self_dots);
    for (int o = 0; o < 13; o++) Py_XDECREF(out[o]);
    PyBuffer_Release(&stems);
    PyBuffer_Release(&units);
    PyBuffer_Release(&entities);
    PyBuffer_Release(&body);
    PyBuffer_Release(&idf);
    PyBuffer_Release(&logs);
    PyBuffer_Release(&anchor);
    return result;
}

/* head_vector(columns, idf, logs) -> bytes: the headline's TF-IDF row (float64, len(idf)) as coherence._unit_vectors
 * weighs a row of counts (a column's count = how often it is in `columns`, int64), with numpy's roundings: why, the
 * dozen numpy calls of _unit_vectors on one row cost more than the rest of the headline's measures. */
static PyObject *head_vector(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer columns, idf, logs;
    if (!PyArg_ParseTuple(args, "y*y*y*:head_vector", &columns, &idf, &logs)) return NULL;
    PyObject *result = NULL;
    Py_ssize_t k = columns.len / 8, m = idf.len / 8, n_logs = logs.len / 8;
    const int64_t *cs = columns.buf;
    const double *idfs = idf.buf, *lg = logs.buf;
    int32_t *counts = NULL;
    double *weights = NULL, *tmp = NULL;
    if (columns.len % 8 || idf.len % 8 || logs.len % 8 || k > n_logs) {
        PyErr_SetString(PyExc_ValueError, "head_vector: columns int64, idf and logs float64, logs reaching len(columns)");
        goto done;
    }
    counts = calloc((size_t)m + 1, sizeof(int32_t));
    weights = calloc((size_t)m + 1, sizeof(double));
    tmp = malloc(((size_t)m + 1) * sizeof(double));
    if (!counts || !weights || !tmp) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        if (cs[i] < 0 || cs[i] >= m) {
            PyErr_SetString(PyExc_ValueError, "head_vector: a column out of range");
            goto done;
        }
        counts[cs[i]]++;
    }
    for (Py_ssize_t j = 0; j < m; j++)
        if (counts[j] > 0) weights[j] = (1.0 + lg[counts[j] - 1]) * idfs[j];
    double norm = sqrt(dot_row(weights, weights, m, tmp));
    if (!(result = PyBytes_FromStringAndSize(NULL, m * 8))) goto done;
    double *vec = (double *)PyBytes_AS_STRING(result);
    for (Py_ssize_t j = 0; j < m; j++) vec[j] = norm > 0 ? weights[j] / norm : 0.0;
done:
    free(counts);
    free(weights);
    free(tmp);
    PyBuffer_Release(&columns);
    PyBuffer_Release(&idf);
    PyBuffer_Release(&logs);
    return result;
}

static PyMethodDef methods[] = {
    {"paragraphs", paragraphs, METH_VARARGS,
     "paragraphs(paragraphs, olds, news) -> (numbers, texts): the non-blank paragraphs' numbers and normalised texts."},
    {"unit_matrix", unit_matrix, METH_VARARGS,
     "unit_matrix(stems, units, entities, body, n, idf, logs, anchor, rare_idf, chain_idf[, n_lead]) -> (present, "
     "vecs, total, neigh, shifts, splits, crossings, mentions, linked, lead, rest, tail, squares): coherence.analyse's "
     "unit matrix and measures."},
    {"head_vector", head_vector, METH_VARARGS,
     "head_vector(columns, idf, logs) -> bytes: the headline's TF-IDF row (float64), as coherence._unit_vectors."},
    {"split_words", split_words, METH_O, "split_words(text) -> list[str]: gaps and words alternating, as "
                                         "re.split by cleaner.terms.WORD with a group."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_terms_core",
                                    "cleaner.terms' word table, compiled (see cleaner/terms.py).", -1, methods};

PyMODINIT_FUNC PyInit__terms_core(void) {
    if (PyType_Ready(&TableType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Table", (PyObject *)&TableType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
