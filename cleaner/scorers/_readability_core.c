/* The readability scorer's per-word loop, compiled: a document's words, syllables (CMUdict, else pyphen's
 * hyphenation points + 1), easy words and long words counted in one pass over its text.
 *
 * Why: in Python each word is a str object made by split(), a dict lookup of a 160-bit packed count and a
 * big-integer addition, and a word missing from CMUdict walks pyphen's patterns character by character in
 * the interpreter; together about half of the scorer's cost on a news article. Here the words are read from the
 * text in place and looked up in C tables built once from the same data (cleaner/scorers/readability.py hands
 * over CMUdict's syllable table, textstat's easy-word list and pyphen's patterns). Only ASCII words are looked
 * up here; any other word is handed back to the Python code (`fallback`), so that Unicode case rules stay
 * Python's. The counts are integers: readability.py's Python code stays the reference and the fallback, and
 * tests/test_readability.py checks that both give the same counts.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../_native.h" /* Chars */

/* ---- a map from short ASCII strings to int64, open addressing ---------------------------------------- */

typedef struct {
    uint64_t hash; /* 0: an empty slot */
    int64_t value;
    size_t offset; /* the key's bytes in the arena */
    size_t len;
} Slot; /* (one slot's fields side by side: a lookup touches one cache line, then the key) */

typedef struct {
    Slot *slots;
    char *arena;
    size_t arena_len, arena_cap;
    uint64_t mask;
    Py_ssize_t n;
} StrMap;

static inline uint64_t hash_bytes(const char *key, Py_ssize_t len) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (Py_ssize_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * UINT64_C(1099511628211);
    return h | 1;
}

static void map_free(StrMap *m) {
    free(m->slots);
    free(m->arena);
    memset(m, 0, sizeof(*m));
}

static int map_init(StrMap *m, size_t slots) {
    memset(m, 0, sizeof(*m));
    m->slots = calloc(slots, sizeof(Slot));
    m->arena_cap = 1 << 16;
    m->arena = malloc(m->arena_cap);
    m->mask = slots - 1;
    if (!m->slots || !m->arena) {
        map_free(m);
        return -1;
    }
    return 0;
}

static void map_clear(StrMap *m) {
    memset(m->slots, 0, (m->mask + 1) * sizeof(Slot));
    m->n = 0;
    m->arena_len = 0;
}

static inline Slot *map_slot(const StrMap *m, const char *key, Py_ssize_t len, uint64_t h) {
    size_t s = h & m->mask;
    for (;;) {
        Slot *slot = m->slots + s;
        if (slot->hash == 0 ||
            (slot->hash == h && slot->len == (size_t)len && memcmp(m->arena + slot->offset, key, len) == 0))
            return slot;
        s = (s + 1) & m->mask;
    }
}

static inline int map_get(const StrMap *m, const char *key, Py_ssize_t len, int64_t *value) {
    Slot *slot = map_slot(m, key, len, hash_bytes(key, len));
    if (slot->hash == 0) return 0;
    *value = slot->value;
    return 1;
}

static int map_grow(StrMap *m) {
    size_t size = 2 * (m->mask + 1);
    Slot *slots = calloc(size, sizeof(Slot));
    if (!slots) return -1;
    for (size_t s = 0; s <= m->mask; s++) {
        if (m->slots[s].hash == 0) continue;
        size_t t = m->slots[s].hash & (size - 1);
        while (slots[t].hash != 0) t = (t + 1) & (size - 1);
        slots[t] = m->slots[s];
    }
    free(m->slots);
    m->slots = slots;
    m->mask = size - 1;
    return 0;
}

/* Set key -> value (replacing an existing value). -1 when out of memory. */
static int map_put(StrMap *m, const char *key, Py_ssize_t len, int64_t value) {
    if (2 * (size_t)(m->n + 1) > m->mask + 1 && map_grow(m) < 0) return -1;
    uint64_t h = hash_bytes(key, len);
    Slot *slot = map_slot(m, key, len, h);
    if (slot->hash == 0) {
        if (m->arena_len + len > m->arena_cap) {
            size_t cap = m->arena_cap;
            while (m->arena_len + len > cap) cap *= 2;
            char *grown = realloc(m->arena, cap);
            if (!grown) return -1;
            m->arena = grown;
            m->arena_cap = cap;
        }
        memcpy(m->arena + m->arena_len, key, len);
        slot->hash = h;
        slot->offset = m->arena_len;
        slot->len = (size_t)len;
        m->arena_len += len;
        m->n++;
    }
    slot->value = value;
    return 0;
}

/* ---- the tables --------------------------------------------------------------------------------------- */

static StrMap SYLLABLES;  /* CMUdict word -> syllables (ASCII words) */
static StrMap EASY;       /* textstat's easy words -> 1 */
static StrMap PREFIXES;   /* every ASCII prefix of a pyphen pattern -> -1, or its points (start << 16 | count) */
static StrMap WORDS;      /* words seen -> syllables | easy << 32 (a bounded cache of the three lookups) */
static int *POINTS;       /* the patterns' points: (position from the pattern's start, value) pairs */
static Py_ssize_t N_POINTS;
static int LEFT, RIGHT, READY;
#define WORDS_MAX (1 << 17)
#define MAX_WORD 256 /* longer ASCII words go to the Python code (none is in CMUdict) */

static void free_tables(void) {
    if (!READY) return;
    map_free(&SYLLABLES);
    map_free(&EASY);
    map_free(&PREFIXES);
    map_free(&WORDS);
    free(POINTS);
    POINTS = NULL;
    READY = 0;
}

static int ascii_utf8(PyObject *s, const char **data, Py_ssize_t *len) {
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "the tables' keys must be str");
        return -1;
    }
    if (!PyUnicode_IS_ASCII(s)) return 0;
    *data = (const char *)PyUnicode_1BYTE_DATA(s);
    *len = PyUnicode_GET_LENGTH(s);
    return 1;
}

/* set_tables(syllables: dict[str, int], easy: Iterable[str], patterns: list[tuple[str, list[tuple[int, int]]]],
 *            left: int, right: int) */
static PyObject *set_tables(PyObject *self, PyObject *args) {
    PyObject *syllables, *easy, *patterns;
    int left, right;
    if (!PyArg_ParseTuple(args, "O!OO!ii", &PyDict_Type, &syllables, &easy, &PyList_Type, &patterns, &left, &right))
        return NULL;
    free_tables();
    if (map_init(&SYLLABLES, 1 << 18) < 0 || map_init(&EASY, 1 << 13) < 0 || map_init(&PREFIXES, 1 << 16) < 0 ||
        map_init(&WORDS, 1 << 18) < 0)
        goto nomem;
    READY = 1; /* (from here on free_tables frees what was made) */
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    const char *data;
    Py_ssize_t len;
    while (PyDict_Next(syllables, &pos, &key, &value)) {
        int ascii = ascii_utf8(key, &data, &len);
        if (ascii < 0) goto fail;
        long count = PyLong_AsLong(value);
        if (count == -1 && PyErr_Occurred()) goto fail;
        if (ascii && map_put(&SYLLABLES, data, len, count) < 0) goto nomem;
    }
    PyObject *it = PyObject_GetIter(easy), *word;
    if (!it) goto fail;
    while ((word = PyIter_Next(it))) {
        int ascii = ascii_utf8(word, &data, &len);
        Py_DECREF(word);
        if (ascii < 0 || (ascii && map_put(&EASY, data, len, 1) < 0)) {
            Py_DECREF(it);
            if (ascii >= 0) goto nomem;
            goto fail;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) goto fail;
    Py_ssize_t n_patterns = PyList_GET_SIZE(patterns), total = 0;
    for (Py_ssize_t i = 0; i < n_patterns; i++) {
        PyObject *item = PyList_GET_ITEM(patterns, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2 || !PyList_Check(PyTuple_GET_ITEM(item, 1))) {
            PyErr_SetString(PyExc_TypeError, "patterns: (key, [(position, value), ...]) tuples");
            goto fail;
        }
        total += PyList_GET_SIZE(PyTuple_GET_ITEM(item, 1));
    }
    POINTS = malloc((2 * total + 1) * sizeof(int));
    if (!POINTS) goto nomem;
    N_POINTS = 0;
    for (Py_ssize_t i = 0; i < n_patterns; i++) {
        PyObject *item = PyList_GET_ITEM(patterns, i), *points = PyTuple_GET_ITEM(item, 1);
        key = PyTuple_GET_ITEM(item, 0);
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "patterns: keys must be str");
            goto fail;
        }
        Py_ssize_t klen = PyUnicode_GET_LENGTH(key), ascii_len = 0;
        while (ascii_len < klen && PyUnicode_READ_CHAR(key, ascii_len) < 128) ascii_len++;
        char buffer[MAX_WORD];
        if (ascii_len > MAX_WORD) ascii_len = MAX_WORD;
        for (Py_ssize_t k = 0; k < ascii_len; k++) buffer[k] = (char)PyUnicode_READ_CHAR(key, k);
        for (Py_ssize_t k = 1; k <= ascii_len; k++) { /* its prefixes begin a pattern */
            int64_t known;
            if (!map_get(&PREFIXES, buffer, k, &known) && map_put(&PREFIXES, buffer, k, -1) < 0) goto nomem;
        }
        if (ascii_len < klen) continue; /* a pattern with another character: never in an ASCII word */
        Py_ssize_t count = PyList_GET_SIZE(points), start = N_POINTS;
        for (Py_ssize_t p = 0; p < count; p++) {
            PyObject *pair = PyList_GET_ITEM(points, p);
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
                PyErr_SetString(PyExc_TypeError, "patterns: points must be (position, value) tuples");
                goto fail;
            }
            long at = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0)), v = PyLong_AsLong(PyTuple_GET_ITEM(pair, 1));
            if (PyErr_Occurred()) goto fail;
            POINTS[N_POINTS++] = (int)at;
            POINTS[N_POINTS++] = (int)v;
        }
        if (count && map_put(&PREFIXES, buffer, klen, ((int64_t)start << 16) | count) < 0) goto nomem;
    }
    LEFT = left;
    RIGHT = right;
    Py_RETURN_NONE;
nomem:
    PyErr_NoMemory();
fail:
    free_tables();
    return NULL;
}

/* ---- per word ----------------------------------------------------------------------------------------- */

/* pyphen's hyphenation points of a lowercase ASCII word (readability.py's _Hyphenation.count) */
static int hyphenation_points(const char *word, Py_ssize_t len) {
    char pointed[MAX_WORD + 2];
    int references[MAX_WORD + 3];
    Py_ssize_t n = len + 2;
    pointed[0] = '.';
    memcpy(pointed + 1, word, len);
    pointed[n - 1] = '.';
    memset(references, 0, (n + 1) * sizeof(int));
    for (Py_ssize_t i = 0; i < n - 1; i++) {
        for (Py_ssize_t j = i + 1; j <= n; j++) { /* pointed[i:j] while it begins a pattern */
            int64_t entry;
            if (!map_get(&PREFIXES, pointed + i, j - i, &entry)) break;
            if (entry < 0) continue;
            const int *p = POINTS + (entry >> 16);
            for (int k = 0; k < (int)(entry & 0xffff); k++) {
                int at = p[2 * k], v = p[2 * k + 1];
                if (v > references[i + at]) references[i + at] = v;
            }
        }
    }
    Py_ssize_t end = len - RIGHT + 2;
    if (end < 0) end = 0;
    int count = 0;
    for (Py_ssize_t i = LEFT + 1; i < end && i <= n; i++) count += references[i] % 2;
    return count;
}

/* (syllables, easy) of a lowercase ASCII word; -1 when out of memory */
static int ascii_word(const char *word, Py_ssize_t len, int64_t *syllables, int *easy) {
    int64_t value;
    if (map_get(&WORDS, word, len, &value)) {
        *syllables = value & 0xffffffff;
        *easy = (int)(value >> 32);
        return 0;
    }
    *easy = map_get(&EASY, word, len, &value);
    if (!map_get(&SYLLABLES, word, len, syllables)) *syllables = hyphenation_points(word, len) + 1;
    if (WORDS.n >= WORDS_MAX) map_clear(&WORDS);
    return map_put(&WORDS, word, len, *syllables | ((int64_t)*easy << 32));
}

/* counts(text, english, fallback) -> (words, long_words, syllables, polysyllables, difficult, hard)
 * Over the whitespace-separated words of `text` (lowercased by the caller): their number; those longer than six
 * characters once apostrophes are left out; and, when `english`, the sum of their syllables and the number of
 * polysyllables (3+ syllables), difficult words (3+ syllables, not easy) and hard words (not easy), as
 * readability.py counts them. fallback(word) -> (syllables, easy) for a word that is not ASCII. */
static PyObject *counts(PyObject *self, PyObject *args) {
    PyObject *text, *fallback;
    int english;
    if (!PyArg_ParseTuple(args, "UpO", &text, &english, &fallback)) return NULL;
    if (!READY) {
        PyErr_SetString(PyExc_RuntimeError, "set_tables() has not been called");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    long long words = 0, long_words = 0, syllables = 0, poly = 0, difficult = 0, hard = 0;
    char word[MAX_WORD];
    Py_ssize_t start = -1;
    for (Py_ssize_t i = 0; i <= n; i++) {
        Py_UCS4 ch = i < n ? PyUnicode_READ(kind, data, i) : ' ';
        if (!Py_UNICODE_ISSPACE(ch)) {
            if (start < 0) start = i;
            continue;
        }
        if (start < 0) continue;
        Py_ssize_t len = i - start, bare = 0;
        int ascii = len <= MAX_WORD;
        for (Py_ssize_t k = 0; k < len; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, start + k);
            bare += c != '\'';
            if (c >= 128) ascii = 0;
            else if (k < MAX_WORD) word[k] = (char)c;
        }
        words++;
        long_words += bare > 6;
        if (english) {
            int64_t count;
            int easy;
            if (ascii) {
                if (ascii_word(word, len, &count, &easy) < 0) return PyErr_NoMemory();
            } else {
                PyObject *piece = PyUnicode_Substring(text, start, i);
                PyObject *answer = piece ? PyObject_CallOneArg(fallback, piece) : NULL;
                Py_XDECREF(piece);
                if (!answer) return NULL;
                long long c = -1;
                int e = -1;
                if (!PyArg_ParseTuple(answer, "Lp", &c, &e)) {
                    Py_DECREF(answer);
                    return NULL;
                }
                Py_DECREF(answer);
                count = c;
                easy = e;
            }
            syllables += count;
            poly += count >= 3;
            difficult += count >= 3 && !easy;
            hard += !easy;
        }
        start = -1;
    }
    return Py_BuildValue("(LLLLLL)", words, long_words, syllables, poly, difficult, hard);
}

/* ---- sentences --------------------------------------------------------------------------------------- */

/* The first 256 characters' classes, filled at import by the functions they stand for (so the two never differ). */
enum { K_SPACE = 1, K_WORD = 2 };
static unsigned char LATIN1[256];

static inline int is_word_char(Py_UCS4 ch) { /* re's \w */
    return ch < 256 ? (LATIN1[ch] & K_WORD) != 0 : Py_UNICODE_ISALNUM(ch) != 0;
}

static inline int is_space(Py_UCS4 ch) { /* str.isspace(), re's \s */
    return ch < 256 ? (LATIN1[ch] & K_SPACE) != 0 : Py_UNICODE_ISSPACE(ch) != 0;
}
static inline int is_end(Py_UCS4 ch) { return ch == '.' || ch == '!' || ch == '?'; }

/* sentences(text) -> (count, [(start, end), ...]): textstat's sentence runs, re.findall(r"\b[^.!?]+[.!?]*") over
 * the text with its line breaks read as spaces (both are non-word characters that end no sentence), and, of
 * them, those whose first three whitespace-separated tokens do not all hold a word character: the runs that may
 * have fewer than three words, which readability.py's _count_sentences counts itself. */
static PyObject *sentences(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    PyObject *doubtful = PyList_New(0);
    if (!doubtful) return NULL;
    int before = 0; /* whether the character before i is a word character */
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        int here = is_word_char(ch);
        if (here == before || is_end(ch)) { /* no \b here, or no [^.!?] to start with */
            before = here;
            i++;
            continue;
        }
        Py_ssize_t j = i; /* [^.!?]+ then [.!?]* */
        while (j < n && !is_end(PyUnicode_READ(kind, data, j))) j++;
        while (j < n && is_end(PyUnicode_READ(kind, data, j))) j++;
        count++;
        /* its first three tokens, each with a word character? */
        int tokens = 0, worded = 0, has = 0, in_token = 0;
        for (Py_ssize_t k = i; k < j && tokens <= 3; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (c == '\n' || Py_UNICODE_ISSPACE(c)) {
                if (in_token) {
                    worded += has;
                    in_token = 0;
                }
            } else {
                if (!in_token) {
                    if (++tokens > 3) break;
                    in_token = 1;
                    has = 0;
                }
                has |= is_word_char(c);
            }
        }
        if (in_token && tokens <= 3) worded += has;
        if (!(tokens >= 3 && worded >= 3)) {
            PyObject *span = Py_BuildValue("(nn)", i, j);
            if (!span || PyList_Append(doubtful, span) < 0) {
                Py_XDECREF(span);
                Py_DECREF(doubtful);
                return NULL;
            }
            Py_DECREF(span);
        }
        before = is_word_char(PyUnicode_READ(kind, data, j - 1));
        i = j;
    }
    PyObject *out = Py_BuildValue("(nO)", count, doubtful);
    Py_DECREF(doubtful);
    return out;
}

/* ---- a whole document -------------------------------------------------------------------------------- */



/* Whether textstat's punctuation removal keeps s[i] of a text that ends at `end` (readability.py's
 * _without_punctuation, character by character): an apostrophe only before t, s, d, ve, ll or re (its
 * _NONCONTRACTION_APOSTROPHE), any other character when it is \w or \s (its _PUNCTUATION_BUT_APOSTROPHES). */
static inline int kept(const Py_UCS4 *s, Py_ssize_t i, Py_ssize_t end) {
    Py_UCS4 c = s[i];
    if (c == '\'') {
        if (i + 1 >= end) return 0;
        Py_UCS4 a = s[i + 1];
        if (a == 't' || a == 's' || a == 'd') return 1;
        if (i + 2 >= end) return 0;
        Py_UCS4 b = s[i + 2];
        return (a == 'v' && b == 'e') || (a == 'l' && b == 'l') || (a == 'r' && b == 'e');
    }
    return is_word_char(c) || is_space(c);
}

/* Whether the sentence run s[a:b] (its line breaks read as spaces) has at most two words once textstat's
 * punctuation removal is applied to it alone: its whitespace-separated tokens that keep a character. */
static int run_is_short(const Py_UCS4 *s, Py_ssize_t a, Py_ssize_t b) {
    int words = 0, in_token = 0, has = 0;
    for (Py_ssize_t k = a; k < b; k++) {
        if (is_space(s[k])) {
            if (in_token) words += has;
            in_token = 0;
            if (words > 2) return 0;
        } else {
            if (!in_token) {
                in_token = 1;
                has = 0;
            }
            if (!has) has = kept(s, k, b);
        }
    }
    if (in_token) words += has;
    return words <= 2;
}

/* readability.py's _count_sentences of a text (of at least one character): textstat's runs, those of at most two
 * words left out, at least 1. */
static Py_ssize_t count_sentences(const Py_UCS4 *s, Py_ssize_t n) {
    Py_ssize_t count = 0, i = 0;
    int before = 0; /* whether the character before i is a word character */
    while (i < n) {
        Py_UCS4 ch = s[i];
        int here = is_word_char(ch);
        if (here == before || is_end(ch)) { /* no \b here, or no [^.!?] to start with */
            before = here;
            i++;
            continue;
        }
        Py_ssize_t j = i; /* [^.!?]+ then [.!?]* */
        while (j < n && !is_end(s[j])) j++;
        while (j < n && is_end(s[j])) j++;
        count += !run_is_short(s, i, j);
        before = is_word_char(s[j - 1]);
        i = j;
    }
    return count > 1 ? count : 1;
}

/* A block's whitespace-separated words written at joined->items[first:], one space between two: the new end. */
static inline Py_ssize_t join_words(Chars *joined, int kind, const void *data, Py_ssize_t len, Py_ssize_t first) {
    Py_UCS4 *out = joined->items;
    Py_ssize_t n = first;
    int space = 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_space(c)) {
            space = n > first;
            continue;
        }
        if (space) out[n++] = ' ';
        space = 0;
        out[n++] = c;
    }
    return n;
}

/* document(blocks, sentence_end, english, fallback) -> (words, long_words, syllables, polysyllables, difficult,
 *     hard, sentences, joined_length, separators, cleaned_length, apostrophes)
 * readability.py's `readability` up to its formulas, in one pass and without its intermediate strings: the
 * blocks joined as sentences (_as_sentences: each block's words joined by one space, a full stop added unless
 * it ends in one of `sentence_end`, the blocks joined by line breaks), its length and spaces and line breaks;
 * textstat's punctuation removal of that text (_without_punctuation), its length and apostrophes; the counts of
 * _word_counts over its words (lowercased when `english`; a word that is not ASCII, lowercased by Python's
 * str.lower, or whose lowercase form is not ASCII, asks fallback(word) -> (syllables, easy) as `counts` does)
 * and _count_sentences of the joined text (0 when it is empty). */
static PyObject *document(PyObject *self, PyObject *args) {
    PyObject *blocks, *sentence_end, *fallback;
    int english;
    if (!PyArg_ParseTuple(args, "O!UpO", &PyList_Type, &blocks, &sentence_end, &english, &fallback)) return NULL;
    if (!READY) {
        PyErr_SetString(PyExc_RuntimeError, "set_tables() has not been called");
        return NULL;
    }
    static PyObject *lower_name = NULL;
    if (!lower_name && !(lower_name = PyUnicode_InternFromString("lower"))) return NULL;
    int end_kind = PyUnicode_KIND(sentence_end);
    const void *end_data = PyUnicode_DATA(sentence_end);
    Py_ssize_t n_end = PyUnicode_GET_LENGTH(sentence_end);
    PyObject *result = NULL;
    Chars joined = {0};
    Py_UCS4 *w = NULL;
    Py_ssize_t most = 1; /* the joined text is at most every block, a line break and a full stop each */
    for (Py_ssize_t b = 0; b < PyList_GET_SIZE(blocks); b++) {
        PyObject *block = PyList_GET_ITEM(blocks, b);
        if (PyUnicode_Check(block)) most += PyUnicode_GET_LENGTH(block) + 2;
    }
    if (chars_room(&joined, most) < 0) goto done;
    /* the blocks joined as sentences */
    for (Py_ssize_t b = 0; b < PyList_GET_SIZE(blocks); b++) {
        PyObject *block = PyList_GET_ITEM(blocks, b);
        if (!PyUnicode_Check(block)) {
            PyErr_SetString(PyExc_TypeError, "document: blocks must be str");
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(block);
        if (chars_room(&joined, len + 2) < 0) goto done;
        Py_ssize_t mark = joined.n;
        if (mark) joined.items[joined.n++] = '\n';
        Py_ssize_t first = joined.n;
        switch (PyUnicode_KIND(block)) {
        case PyUnicode_1BYTE_KIND:
            joined.n = join_words(&joined, PyUnicode_1BYTE_KIND, PyUnicode_DATA(block), len, first);
            break;
        case PyUnicode_2BYTE_KIND:
            joined.n = join_words(&joined, PyUnicode_2BYTE_KIND, PyUnicode_DATA(block), len, first);
            break;
        default:
            joined.n = join_words(&joined, PyUnicode_4BYTE_KIND, PyUnicode_DATA(block), len, first);
        }
        if (joined.n == first) { /* an empty block: no sentence */
            joined.n = mark;
            continue;
        }
        Py_UCS4 last = joined.items[joined.n - 1];
        int ends = 0;
        for (Py_ssize_t k = 0; k < n_end && !ends; k++) ends = PyUnicode_READ(end_kind, end_data, k) == last;
        if (!ends) joined.items[joined.n++] = '.';
    }
    const Py_UCS4 *s = joined.items;
    Py_ssize_t n = joined.n;
    long long words = 0, long_words = 0, syllables = 0, poly = 0, difficult = 0, hard = 0, separators = 0,
              cleaned = 0, apostrophes = 0;
    char word[MAX_WORD];
    w = PyMem_Malloc((size_t)(n + 1) * sizeof(Py_UCS4)); /* a word's kept characters */
    if (!w) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '\n') { /* (the joined text's only whitespace) */
            separators++;
            cleaned++;
            i++;
            continue;
        }
        Py_ssize_t j = i, len = 0, bare = 0;
        int ascii = 1;
        while (j < n && s[j] != ' ' && s[j] != '\n') j++;
        /* the word's characters that punctuation removal keeps */
        for (Py_ssize_t k = i; k < j; k++) {
            if (!kept(s, k, n)) continue;
            Py_UCS4 c = s[k];
            w[len++] = c;
            bare += c != '\'';
            if (c >= 128) ascii = 0;
        }
        i = j;
        if (!len) continue;
        cleaned += len;
        apostrophes += len - bare;
        words++;
        long_words += bare > 6;
        if (!english) continue;
        int64_t count;
        int easy;
        if (ascii && len <= MAX_WORD) {
            for (Py_ssize_t k = 0; k < len; k++) word[k] = (char)(w[k] >= 'A' && w[k] <= 'Z' ? w[k] + 32 : w[k]);
            if (ascii_word(word, len, &count, &easy) < 0) {
                PyErr_NoMemory();
                goto done;
            }
        } else {
            PyObject *piece = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w, len);
            PyObject *low = piece ? PyObject_CallMethodNoArgs(piece, lower_name) : NULL;
            Py_XDECREF(piece);
            if (!low) goto done;
            Py_ssize_t low_len = PyUnicode_GET_LENGTH(low);
            if (PyUnicode_IS_ASCII(low) && low_len <= MAX_WORD) {
                memcpy(word, PyUnicode_1BYTE_DATA(low), (size_t)low_len);
                Py_DECREF(low);
                if (ascii_word(word, low_len, &count, &easy) < 0) {
                    PyErr_NoMemory();
                    goto done;
                }
            } else {
                PyObject *answer = PyObject_CallOneArg(fallback, low);
                Py_DECREF(low);
                if (!answer) goto done;
                long long c = -1;
                int e = -1;
                int ok = PyArg_ParseTuple(answer, "Lp", &c, &e);
                Py_DECREF(answer);
                if (!ok) goto done;
                count = c;
                easy = e;
            }
        }
        syllables += count;
        poly += count >= 3;
        difficult += count >= 3 && !easy;
        hard += !easy;
    }
    Py_ssize_t sentences = n ? count_sentences(s, n) : 0;
    result = Py_BuildValue("(LLLLLLnnLLL)", words, long_words, syllables, poly, difficult, hard, sentences, n,
                           separators, cleaned, apostrophes);
done:
    PyMem_Free(w);
    PyMem_Free(joined.items);
    return result;
}

static PyMethodDef methods[] = {
    {"set_tables", set_tables, METH_VARARGS,
     "set_tables(syllables, easy, patterns, left, right): CMUdict's word -> syllables, the easy words, pyphen's "
     "patterns as (key, [(position, value), ...]) and its left/right bounds."},
    {"sentences", sentences, METH_VARARGS,
     "sentences(text) -> (count, [(start, end), ...]): textstat's sentence runs, and those that may be short."},
    {"document", document, METH_VARARGS,
     "document(blocks, sentence_end, english, fallback) -> (words, long_words, syllables, polysyllables, difficult, "
     "hard, sentences, joined_length, separators, cleaned_length, apostrophes)."},
    {"counts", counts, METH_VARARGS,
     "counts(text, english, fallback) -> (words, long_words, syllables, polysyllables, difficult, hard)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_readability_core",
                                    "The readability scorer's word loop, compiled (see "
                                    "cleaner/scorers/readability.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__readability_core(void) {
    for (Py_UCS4 c = 0; c < 256; c++)
        LATIN1[c] = (Py_UNICODE_ISSPACE(c) ? K_SPACE : 0) | (c == '_' || Py_UNICODE_ISALNUM(c) ? K_WORD : 0);
    return PyModule_Create(&module);
}
