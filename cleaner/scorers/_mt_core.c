/* The machine-translation scorer's per-token loops, compiled: sentences, tokens, the token and word tables
 * (ids and the facts the features need) and the document's counts, as cleaner/scorers/mt.py computes them.
 *
 * Why: in Python a news article costs about 1.3 ms here when its rarer words are new (a regex per chunk, then
 * a dozen str methods, dict and list operations per new token) and 0.9 ms when they are known (a chunk cache,
 * then some forty numpy calls on arrays of a few hundred items, each paying numpy's per-call overhead). Here
 * they are plain loops over the text's code points. mt.py keeps the Python code as the reference and the
 * fallback (no C compiler at install time); tests/test_mt.py checks that both give the same Extracted, float
 * for float, and the same ids, in the same order, for the same texts.
 *
 * Also mt.normalise's steps after NFKC (`tidy`): its regex substitution calls Python for each curly quote;
 * and what mt.py did per document around the table in Python and numpy, each worth tens of microseconds
 * there: the function-word rates and sentence values (`rates`, `sentence_values`), `name_variants`, the
 * model's raw vector (`vector`), its logit (`logit`, with numpy's pairwise sum) and the reasons' choices
 * (`largest`, `find_run`), every float by the same operations in the same order as the Python code's.
 *
 * What must be exactly Python's:
 * - characters are classed as Python's re classes them on str: \w = Py_UNICODE_ISALNUM or '_', \d =
 *   Py_UNICODE_ISDECIMAL, \s = Py_UNICODE_ISSPACE, [^\W\d_] = alphanumeric and not a decimal digit; lines end
 *   where str.splitlines ends them (Py_UNICODE_ISLINEBREAK); str.isupper/islower/isalpha are the loops of
 *   CPython's own, over the same Py_UNICODE_* tests; str.lower of a token that is not ASCII is Python's own;
 * - ids are given in the order of first appearance, as mt._Vocabulary gives them (tokens, words; shapes are
 *   mt._VOCAB's, shared: new ones are registered by calling its shape_id), and a table is renewed when
 *   _Vocabulary is (past _Vocabulary.MAX tokens or words: memory stays bounded);
 * - the counts are integers; mt.py turns them into floats with the same expressions as its Python path.
 *
 * Built by tools/build_native.py with the system C compiler; the Python C API only (no numpy headers): arrays
 * are returned as bytes that mt.py wraps with np.frombuffer. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "../_native.h" /* str_isupper, ends_with, pairwise_sum, Chars */

/* ---- characters ------------------------------------------------------------------------------------- */

enum { C_LETTER = 1, C_DIGIT = 2, C_WORD = 4, C_SPACE = 8, C_LINE = 16 };
static unsigned char ascii_class[128]; /* filled at import by class_of_slow, so the two never differ */

static int class_of_slow(Py_UCS4 c) {
    int alnum = Py_UNICODE_ISALNUM(c) != 0, decimal = Py_UNICODE_ISDECIMAL(c) != 0;
    return (alnum && !decimal ? C_LETTER : 0) | (decimal ? C_DIGIT : 0) | (alnum || c == '_' ? C_WORD : 0) |
           (Py_UNICODE_ISSPACE(c) ? C_SPACE : 0) | (Py_UNICODE_ISLINEBREAK(c) ? C_LINE : 0);
}

static inline int class_of(Py_UCS4 c) { return c < 128 ? ascii_class[c] : class_of_slow(c); }

/* str.islower / str.isalpha, as CPython's unicodeobject.c computes them (str_isupper: _native.h) */
static int str_islower(const Py_UCS4 *s, Py_ssize_t n) {
    if (n == 1) return Py_UNICODE_ISLOWER(s[0]) != 0;
    int cased = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (Py_UNICODE_ISUPPER(s[i]) || Py_UNICODE_ISTITLE(s[i])) return 0;
        if (!cased && Py_UNICODE_ISLOWER(s[i])) cased = 1;
    }
    return cased;
}

static int str_isalpha(const Py_UCS4 *s, Py_ssize_t n) {
    if (n == 0) return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!Py_UNICODE_ISALPHA(s[i])) return 0;
    return 1;
}

static inline uint64_t hash_of(const Py_UCS4 *s, Py_ssize_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ (uint64_t)n;
    for (Py_ssize_t i = 0; i < n; i++) h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    h ^= h >> 33; /* (murmur's finaliser: the table index takes the low bits) */
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    return h;
}

/* ---- a string pool: the code points of each distinct string, found by hash (open addressing) --------- */

typedef struct {
    uint64_t hash;
    size_t start; /* in chars */
    Py_ssize_t len;
} Key;

typedef struct {
    Py_UCS4 *chars;
    size_t n_chars, cap_chars;
    Key *keys;
    Py_ssize_t n, cap;
    /* the hash's high half, then the id (EMPTY: none); never more than half full. The tag spares a probe the
     * key and the characters of other strings: each is another cache line, and most lookups hit. */
    uint64_t *slots;
    size_t mask;
} Pool;

#define EMPTY UINT64_MAX
#define TAG(h) ((h) & UINT64_C(0xffffffff00000000))
#define MAX_ITEMS (INT32_MAX - 1) /* ids are int32 in the facts */

static void pool_free(Pool *p) {
    free(p->chars);
    free(p->keys);
    free(p->slots);
    memset(p, 0, sizeof(*p));
}

static Py_ssize_t pool_find(const Pool *p, const Py_UCS4 *s, Py_ssize_t n, uint64_t h) {
    if (!p->slots) return -1;
    for (size_t i = h & p->mask;; i = (i + 1) & p->mask) {
        uint64_t slot = p->slots[i];
        if (slot == EMPTY) return -1;
        if (TAG(slot) != TAG(h)) continue;
        Py_ssize_t id = (Py_ssize_t)(slot & 0xffffffff);
        const Key *k = &p->keys[id];
        if (k->len == n && memcmp(p->chars + k->start, s, (size_t)n * sizeof(Py_UCS4)) == 0) return id;
    }
}

static int pool_rehash(Pool *p, size_t size) {
    uint64_t *slots = malloc(size * sizeof(uint64_t));
    if (!slots) return -1;
    memset(slots, 0xff, size * sizeof(uint64_t)); /* EMPTY */
    for (Py_ssize_t id = 0; id < p->n; id++) {
        size_t i = p->keys[id].hash & (size - 1);
        while (slots[i] != EMPTY) i = (i + 1) & (size - 1);
        slots[i] = TAG(p->keys[id].hash) | (uint64_t)id;
    }
    free(p->slots);
    p->slots = slots;
    p->mask = size - 1;
    return 0;
}

/* Room for one more string of n code points (keys up to p->cap; the caller grows its facts to match). */
static int pool_reserve(Pool *p, Py_ssize_t n) {
    if (p->n >= MAX_ITEMS || n >= MAX_ITEMS) {
        PyErr_SetString(PyExc_OverflowError, "too many or too long tokens for one table");
        return -1;
    }
    if (p->n_chars + (size_t)n > p->cap_chars) {
        size_t cap = p->cap_chars ? 2 * p->cap_chars : 4096;
        while (cap < p->n_chars + (size_t)n) cap *= 2;
        Py_UCS4 *chars = realloc(p->chars, cap * sizeof(Py_UCS4));
        if (!chars) goto nomemory;
        p->chars = chars;
        p->cap_chars = cap;
    }
    if (p->n >= p->cap) {
        Py_ssize_t cap = p->cap ? 2 * p->cap : 1024;
        Key *keys = realloc(p->keys, (size_t)cap * sizeof(Key));
        if (!keys) goto nomemory;
        p->keys = keys;
        p->cap = cap;
    }
    if (!p->slots || (size_t)(p->n + 1) * 2 > p->mask + 1) {
        size_t size = p->slots ? 2 * (p->mask + 1) : 2048;
        if (pool_rehash(p, size) < 0) goto nomemory;
    }
    return 0;
nomemory:
    PyErr_NoMemory();
    return -1;
}

/* Add a string that pool_find did not find, after pool_reserve: its id. */
static Py_ssize_t pool_add(Pool *p, const Py_UCS4 *s, Py_ssize_t n, uint64_t h) {
    Py_ssize_t id = p->n++;
    memcpy(p->chars + p->n_chars, s, (size_t)n * sizeof(Py_UCS4));
    p->keys[id] = (Key){h, p->n_chars, n};
    p->n_chars += (size_t)n;
    size_t i = h & p->mask;
    while (p->slots[i] != EMPTY) i = (i + 1) & p->mask;
    p->slots[i] = TAG(h) | (uint64_t)id;
    return id;
}

/* ---- growable buffers of int64 ------------------------------------------------------------------------ */

typedef struct {
    int64_t *items;
    Py_ssize_t n, cap;
} Buf;

static int buf_push(Buf *b, int64_t value) {
    if (b->n >= b->cap) {
        Py_ssize_t cap = b->cap ? 2 * b->cap : 1024;
        int64_t *items = realloc(b->items, (size_t)cap * sizeof(int64_t));
        if (!items) return -1;
        b->items = items;
        b->cap = cap;
    }
    b->items[b->n++] = value;
    return 0;
}

/* ---- the table -------------------------------------------------------------------------------------- */

/* (16 and 32 bytes: a document reads those of each of its tokens and words, mostly from other caches) */
enum { T_ALPHA = 1, T_UPPER = 2, T_LEX = 4, T_BE = 8, T_PARTICIPLE = 16 };
typedef struct {
    int32_t word;               /* id of its word form, -1 unless its first character is a letter */
    int16_t shape, shape_first; /* below k (at most 1024) */
    uint8_t flags;              /* T_*: the facts of mt._TOKEN_FACTS that are true */
    uint32_t stamp;             /* the document that last counted it among its capitalised words */
} TokenFacts;

enum { W_CONTENT = 1, W_FUNCTION = 2, W_BE = 4, W_IRREGULAR = 8 };
typedef struct {
    int32_t length;
    uint8_t kind;      /* 1 contraction, 2 possessive, 0 other */
    uint8_t flags;     /* W_* */
    uint32_t stamp;    /* the document that last saw it: `last` and `lex_count` are that document's */
    int64_t last;      /* its last index in the document's word sequence */
    int64_t lex_count; /* its occurrences as a lowercase content word */
} WordFacts;

typedef struct TriSlot {
    uint64_t key;
    uint32_t stamp, count;
} TriSlot;

enum { N_CAP, N_NUM, N_SYM, N_W, N_WING, N_WED, N_WLY, N_WS, N_NAMES };
static const char *const NAME_TEXT[N_NAMES] = {"CAP", "NUM", "SYM", "W", "Wing", "Wed", "Wly", "Ws"};

typedef struct {
    PyObject_HEAD
    Pool tok, wrd;
    TokenFacts *tf; /* by token id, room for tok.cap */
    WordFacts *wf;  /* by word id, room for wrd.cap */
    Py_ssize_t tf_cap, wf_cap; /* the pools' caps the facts were last grown to */
    int fixed_done;            /* the fixed words are in (add_word: no other word is a function word or "be") */
    struct TriSlot *tri;       /* extract's table of word trigrams (slots of another document's stamp are free) */
    size_t tri_size;
    PyObject *tokens, *words; /* lists of str by id: what mt.py reads (reasons, lex words) */
    PyObject *function_words, *be_words, *participles, *mark_shapes, *abbreviations; /* sets */
    PyObject *shape_ids, *shape_id, *word_kind; /* mt._VOCAB.shape_ids, ._VOCAB.shape_id, mt._word_kind */
    PyObject *names[N_NAMES];
    Py_ssize_t n_fixed, start_id, end_id, n_marks, last_mark;
    Py_ssize_t *mark_at; /* by token id up to last_mark: its index among the marks, or -1 */
    int64_t k;            /* mt._K: shape ids are below it */
    uint32_t stamp;
    int ready; /* initialised (a Table whose __init__ failed is never used) */
} Table;

/* Room for one more token (word) of n code points; -1 with an exception set. */
static int reserve_token(Table *t, Py_ssize_t n) {
    if (pool_reserve(&t->tok, n) < 0) return -1;
    if (t->tf && t->tf_cap == t->tok.cap) return 0; /* (the facts grow with the pool's keys) */
    TokenFacts *tf = realloc(t->tf, (size_t)t->tok.cap * sizeof(TokenFacts));
    if (!tf) {
        PyErr_NoMemory();
        return -1;
    }
    t->tf = tf;
    t->tf_cap = t->tok.cap;
    return 0;
}

static int reserve_word(Table *t, Py_ssize_t n) {
    if (pool_reserve(&t->wrd, n) < 0) return -1;
    if (t->wf && t->wf_cap == t->wrd.cap) return 0;
    WordFacts *wf = realloc(t->wf, (size_t)t->wrd.cap * sizeof(WordFacts));
    if (!wf) {
        PyErr_NoMemory();
        return -1;
    }
    t->wf = wf;
    t->wf_cap = t->wrd.cap;
    return 0;
}

/* A shape's id in mt._VOCAB's table, registered there (shape_id) when new, as the Python code does. */
static int64_t shape_of(Table *t, PyObject *name) {
    PyObject *value = PyDict_GetItemWithError(t->shape_ids, name);
    int64_t id;
    if (value) {
        id = PyLong_AsLongLong(value);
    } else {
        if (PyErr_Occurred()) return -1;
        value = PyObject_CallOneArg(t->shape_id, name);
        if (!value) return -1;
        id = PyLong_AsLongLong(value);
        Py_DECREF(value);
    }
    if (id == -1 && PyErr_Occurred()) return -1;
    if (id < 0 || id >= t->k) {
        PyErr_Format(PyExc_ValueError, "shape id %lld out of range [0, %lld)", (long long)id,
                     (long long)t->k);
        return -1;
    }
    return id;
}

static int set_has(PyObject *set, PyObject *key) { return PySet_Contains(set, key); }

/* Register a word (not yet in the pool) whose string is `str`: its id, -1 on error. Its facts are
 * mt._Vocabulary.word_id's. */
static Py_ssize_t add_word(Table *t, const Py_UCS4 *s, Py_ssize_t n, uint64_t h, PyObject *str) {
    /* (once the fixed words are in, every function word and form of "be" is one of them: a new word is neither) */
    int function = t->fixed_done ? 0 : set_has(t->function_words, str),
        be = t->fixed_done ? 0 : set_has(t->be_words, str), irregular = set_has(t->participles, str);
    if (function < 0 || be < 0 || irregular < 0) return -1;
    long long kind = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '\'') { /* contractions and possessives: mt._word_kind, rare enough to ask Python */
            PyObject *value = PyObject_CallOneArg(t->word_kind, str);
            if (!value) return -1;
            kind = PyLong_AsLongLong(value);
            Py_DECREF(value);
            if (kind == -1 && PyErr_Occurred()) return -1;
            break;
        }
    }
    if (kind < 0 || kind > 2) {
        PyErr_Format(PyExc_ValueError, "word_kind gave %lld (0, 1 or 2)", kind);
        return -1;
    }
    if (reserve_word(t, n) < 0) return -1;
    if (PyList_Append(t->words, str) < 0) return -1;
    Py_ssize_t id = pool_add(&t->wrd, s, n, h);
    uint8_t flags = (!function && n > 2 ? W_CONTENT : 0) | (function ? W_FUNCTION : 0) | (be ? W_BE : 0) |
                    (irregular ? W_IRREGULAR : 0);
    t->wf[id] = (WordFacts){(int32_t)n, (uint8_t)kind, flags, 0, -1, 0};
    return id;
}

/* Register a new token: its id, -1 on error. Its facts are mt._Vocabulary._add_token's: the same tests in the
 * same order, so that new shapes and words get the ids the Python code gives them. */
static Py_ssize_t add_token(Table *t, const Py_UCS4 *s, Py_ssize_t n, uint64_t h) {
    Py_ssize_t id = -1;
    PyObject *str = str_of(s, n);
    PyObject *low_str = NULL, *word_str = NULL;
    Py_UCS4 *low_copy = NULL;
    if (!str) return -1;
    int ascii = 1;
    for (Py_ssize_t i = 0; i < n; i++) ascii &= s[i] < 128;
    Py_UCS4 c0 = s[0];
    int alpha = Py_UNICODE_ISALPHA(c0) != 0, upper = Py_UNICODE_ISUPPER(c0) != 0;
    int acronym = n > 1 && str_isupper(s, n) && str_isalpha(s, n); /* mt.is_acronym */
    const Py_UCS4 *low = s;
    Py_ssize_t low_n = n;
    if (acronym) {
        low_str = Py_NewRef(str);
    } else if (ascii) {
        low_copy = PyMem_Malloc((size_t)n * sizeof(Py_UCS4));
        if (!low_copy) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) low_copy[i] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
        low = low_copy;
    } else { /* Python's own lower(): special casing (final sigma, İ) included */
        low_str = lower_name() ? PyObject_CallMethodNoArgs(str, lower_name()) : NULL;
        if (!low_str) goto done;
        low_copy = PyUnicode_AsUCS4Copy(low_str);
        if (!low_copy) goto done;
        low = low_copy;
        low_n = PyUnicode_GET_LENGTH(low_str);
    }
    uint64_t low_hash = hash_of(low, low_n);
    Py_ssize_t word = pool_find(&t->wrd, low, low_n, low_hash);
    int function = word >= 0 && (t->wf[word].flags & W_FUNCTION);
    /* the shapes (mt._shapes) */
    PyObject *plain, *first;
    if (function) {
        plain = first = PyList_GET_ITEM(t->words, word);
    } else if (acronym) {
        plain = first = t->names[N_CAP];
    } else if (Py_UNICODE_ISDIGIT(c0)) {
        plain = first = t->names[N_NUM];
    } else if (!alpha) {
        int mark = set_has(t->mark_shapes, str);
        if (mark < 0) goto done;
        plain = first = mark ? str : t->names[N_SYM];
    } else {
        Py_UCS4 last = low[low_n - 1];
        int name = last == 'g' && ends_with(low, low_n, "ing")   ? N_WING
                   : last == 'd' && ends_with(low, low_n, "ed")  ? N_WED
                   : last == 'y' && ends_with(low, low_n, "ly")  ? N_WLY
                   : last == 's' && !ends_with(low, low_n, "ss") ? N_WS
                                                                 : N_W;
        first = t->names[name];
        plain = upper ? t->names[N_CAP] : first;
    }
    int64_t plain_id = shape_of(t, plain);
    if (plain_id < 0) goto done;
    int64_t first_id = first == plain ? plain_id : shape_of(t, first);
    if (first_id < 0) goto done;
    if (alpha && word < 0) {
        word_str = low_str ? Py_NewRef(low_str) : str_of(low, low_n);
        if (!word_str) goto done;
        word = add_word(t, low, low_n, low_hash, word_str);
        if (word < 0) goto done;
    }
    int apostrophe = 0;
    for (Py_ssize_t i = 0; i < low_n; i++) apostrophe |= low[i] == '\'';
    int lex = alpha && str_islower(s, n) && low_n >= 3 && !function && !apostrophe;
    int be = word >= 0 && (t->wf[word].flags & W_BE);
    int participle = alpha && ((low[low_n - 1] == 'd' && ends_with(low, low_n, "ed")) ||
                               (t->wf[word].flags & W_IRREGULAR));
    TokenFacts facts = {
        .word = alpha ? (int32_t)word : -1,
        .shape = (int16_t)plain_id,
        .shape_first = (int16_t)first_id,
        .flags = (uint8_t)((alpha ? T_ALPHA : 0) | (upper ? T_UPPER : 0) | (lex ? T_LEX : 0) |
                           (be ? T_BE : 0) | (participle ? T_PARTICIPLE : 0)),
        .stamp = 0,
    };
    if (reserve_token(t, n) < 0) goto done;
    if (PyList_Append(t->tokens, str) < 0) goto done;
    id = pool_add(&t->tok, s, n, h);
    t->tf[id] = facts;
done:
    PyMem_Free(low_copy);
    Py_XDECREF(word_str);
    Py_XDECREF(low_str);
    Py_DECREF(str);
    return id;
}

static inline Py_ssize_t token_id(Table *t, const Py_UCS4 *s, Py_ssize_t n) {
    uint64_t h = hash_of(s, n);
    Py_ssize_t id = pool_find(&t->tok, s, n, h);
    return id >= 0 ? id : add_token(t, s, n, h);
}

static int table_traverse(Table *t, visitproc visit, void *arg) {
    Py_VISIT(t->tokens);
    Py_VISIT(t->words);
    Py_VISIT(t->function_words);
    Py_VISIT(t->be_words);
    Py_VISIT(t->participles);
    Py_VISIT(t->mark_shapes);
    Py_VISIT(t->abbreviations);
    Py_VISIT(t->shape_ids);
    Py_VISIT(t->shape_id);
    Py_VISIT(t->word_kind);
    return 0;
}

static int table_clear(Table *t) {
    Py_CLEAR(t->tokens);
    Py_CLEAR(t->words);
    Py_CLEAR(t->function_words);
    Py_CLEAR(t->be_words);
    Py_CLEAR(t->participles);
    Py_CLEAR(t->mark_shapes);
    Py_CLEAR(t->abbreviations);
    Py_CLEAR(t->shape_ids);
    Py_CLEAR(t->shape_id);
    Py_CLEAR(t->word_kind);
    for (int i = 0; i < N_NAMES; i++) Py_CLEAR(t->names[i]);
    return 0;
}

static void table_dealloc(Table *t) {
    PyObject_GC_UnTrack(t);
    table_clear(t);
    pool_free(&t->tok);
    pool_free(&t->wrd);
    free(t->tf);
    free(t->wf);
    free(t->mark_at);
    free(t->tri);
    PyTypeObject *type = Py_TYPE(t);
    type->tp_free((PyObject *)t);
}

static int need_set(PyObject *value, const char *what) {
    if (PyAnySet_Check(value)) return 1;
    PyErr_Format(PyExc_TypeError, "Table: %s must be a set or frozenset", what);
    return 0;
}

/* Table(boundary, marks, fixed_words, function_words, be_words, participles, mark_shapes, abbreviations,
 *       shape_ids, shape_id, word_kind, k) */
static int table_init(Table *t, PyObject *args, PyObject *kwds) {
    PyObject *boundary, *marks, *fixed, *function_words, *be_words, *participles, *mark_shapes,
        *abbreviations, *shape_ids, *shape_id, *word_kind;
    long long k;
    if (kwds && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "Table() takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!O!OOOOOO!OOL", &PyTuple_Type, &boundary, &PyTuple_Type, &marks,
                          &PyList_Type, &fixed, &function_words, &be_words, &participles, &mark_shapes,
                          &abbreviations, &PyDict_Type, &shape_ids, &shape_id, &word_kind, &k))
        return -1;
    if (t->tokens) {
        PyErr_SetString(PyExc_RuntimeError, "Table() is initialised once");
        return -1;
    }
    if (!need_set(function_words, "function_words") || !need_set(be_words, "be_words") ||
        !need_set(participles, "participles") || !need_set(mark_shapes, "mark_shapes") ||
        !need_set(abbreviations, "abbreviations"))
        return -1;
    if (PyTuple_GET_SIZE(boundary) != 2 || PyTuple_GET_SIZE(marks) == 0 || k <= 0 || k > 1024) {
        PyErr_SetString(PyExc_ValueError, "Table: boundary is (end, start), marks not empty, 0 < k <= 1024");
        return -1;
    }
    if (!PyCallable_Check(shape_id) || !PyCallable_Check(word_kind)) {
        PyErr_SetString(PyExc_TypeError, "Table: shape_id and word_kind must be callable");
        return -1;
    }
    t->tokens = PyList_New(0);
    t->words = PyList_New(0);
    if (!t->tokens || !t->words) return -1;
    t->function_words = Py_NewRef(function_words);
    t->be_words = Py_NewRef(be_words);
    t->participles = Py_NewRef(participles);
    t->mark_shapes = Py_NewRef(mark_shapes);
    t->abbreviations = Py_NewRef(abbreviations);
    t->shape_ids = Py_NewRef(shape_ids);
    t->shape_id = Py_NewRef(shape_id);
    t->word_kind = Py_NewRef(word_kind);
    t->k = k;
    for (int i = 0; i < N_NAMES; i++) {
        t->names[i] = PyUnicode_InternFromString(NAME_TEXT[i]);
        if (!t->names[i]) return -1;
    }
    /* the fixed words first, in mt._Vocabulary's order: every function word and form of "be" among them (a
     * word not found is then neither, as `low in FUNCTION_SET` says of a token that is not a word) */
    Py_ssize_t n_fixed = PyList_GET_SIZE(fixed);
    for (Py_ssize_t i = 0; i < n_fixed; i++) {
        PyObject *word = PyList_GET_ITEM(fixed, i);
        if (!PyUnicode_Check(word) || PyUnicode_GET_LENGTH(word) == 0) {
            PyErr_SetString(PyExc_TypeError, "Table: fixed_words must be non-empty str");
            return -1;
        }
        Py_UCS4 *s = PyUnicode_AsUCS4Copy(word);
        if (!s) return -1;
        Py_ssize_t n = PyUnicode_GET_LENGTH(word);
        uint64_t h = hash_of(s, n);
        Py_ssize_t id = pool_find(&t->wrd, s, n, h) >= 0 ? -2 : add_word(t, s, n, h, word);
        PyMem_Free(s);
        if (id == -2) {
            PyErr_SetString(PyExc_ValueError, "Table: fixed_words must be distinct");
            return -1;
        }
        if (id < 0) return -1;
    }
    t->n_fixed = n_fixed;
    Py_ssize_t fixed_function = 0, fixed_be = 0;
    for (Py_ssize_t i = 0; i < n_fixed; i++) {
        fixed_function += (t->wf[i].flags & W_FUNCTION) != 0;
        fixed_be += (t->wf[i].flags & W_BE) != 0;
    }
    if (fixed_function != PySet_GET_SIZE(function_words) || fixed_be != PySet_GET_SIZE(be_words)) {
        PyErr_SetString(PyExc_ValueError, "Table: every function word and form of 'be' must be a fixed word");
        return -1;
    }
    t->fixed_done = 1;
    /* the sentence boundaries: a shape of their own, no word (mt._Vocabulary._add_token) */
    for (int i = 0; i < 2; i++) {
        PyObject *mark = PyTuple_GET_ITEM(boundary, i);
        if (!PyUnicode_Check(mark) || PyUnicode_GET_LENGTH(mark) == 0) {
            PyErr_SetString(PyExc_TypeError, "Table: boundary marks must be non-empty str");
            return -1;
        }
        int64_t shape = shape_of(t, mark);
        if (shape < 0) return -1;
        Py_UCS4 *s = PyUnicode_AsUCS4Copy(mark);
        if (!s) return -1;
        Py_ssize_t n = PyUnicode_GET_LENGTH(mark);
        uint64_t h = hash_of(s, n);
        if (reserve_token(t, n) == 0 && PyList_Append(t->tokens, mark) == 0) {
            Py_ssize_t id = pool_add(&t->tok, s, n, h);
            t->tf[id] = (TokenFacts){-1, (int16_t)shape, (int16_t)shape, 0, 0};
        }
        PyMem_Free(s);
        if (PyErr_Occurred()) return -1;
    }
    t->end_id = 0;
    t->start_id = 1;
    /* the punctuation marks counted in mt.extract's values */
    t->n_marks = PyTuple_GET_SIZE(marks);
    Py_ssize_t ids[64];
    if (t->n_marks > 64) {
        PyErr_SetString(PyExc_ValueError, "Table: at most 64 marks");
        return -1;
    }
    for (Py_ssize_t i = 0; i < t->n_marks; i++) {
        PyObject *mark = PyTuple_GET_ITEM(marks, i);
        if (!PyUnicode_Check(mark) || PyUnicode_GET_LENGTH(mark) == 0) {
            PyErr_SetString(PyExc_TypeError, "Table: marks must be non-empty str");
            return -1;
        }
        Py_UCS4 *s = PyUnicode_AsUCS4Copy(mark);
        if (!s) return -1;
        ids[i] = token_id(t, s, PyUnicode_GET_LENGTH(mark));
        PyMem_Free(s);
        if (ids[i] < 0) return -1;
        if (i && ids[i] <= ids[i - 1]) {
            PyErr_SetString(PyExc_ValueError, "Table: marks must be distinct tokens");
            return -1;
        }
    }
    t->last_mark = ids[t->n_marks - 1];
    t->mark_at = malloc((size_t)(t->last_mark + 1) * sizeof(Py_ssize_t));
    if (!t->mark_at) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i <= t->last_mark; i++) t->mark_at[i] = -1;
    for (Py_ssize_t i = 0; i < t->n_marks; i++) t->mark_at[ids[i]] = i;
    t->ready = 1;
    return 0;
}

/* ---- one document ----------------------------------------------------------------------------------- */

/* A document is read in two steps: its sentences and tokens, as spans of the text (their start, -1 for "<s>"
 * and -2 for "</s>", their length and hash), then their ids (`resolve`). Between the two the table lines
 * the lookups will read are asked for at once, rather than one by one as each lookup waits for them. */
typedef struct {
    Table *t;
    const Py_UCS4 *s;
    Buf starts, lens, hashes;
} Doc;

static int push_span(Doc *d, int64_t start, int64_t len, uint64_t hash) {
    if (buf_push(&d->starts, start) < 0 || buf_push(&d->lens, len) < 0) return -1;
    return buf_push(&d->hashes, (int64_t)hash);
}

/* The tokens of s[a:b] (mt._TOKEN's matches), between "<s>" and "</s>" unless there are none. */
static int emit_sentence(Doc *d, Py_ssize_t a, Py_ssize_t b) {
    const Py_UCS4 *s = d->s;
    const Pool *tok = &d->t->tok;
    Py_ssize_t mark = d->starts.n;
    if (push_span(d, -1, 0, 0) < 0) return -1;
    for (Py_ssize_t i = a; i < b;) {
        Py_UCS4 c = s[i];
        int cl = class_of(c);
        Py_ssize_t j;
        if (cl & C_LETTER) { /* [^\W\d_]+(?:'[^\W\d_]+)* */
            j = i + 1;
            for (;;) {
                while (j < b && (class_of(s[j]) & C_LETTER)) j++;
                if (j + 1 < b && s[j] == '\'' && (class_of(s[j + 1]) & C_LETTER)) {
                    j += 2;
                    continue;
                }
                break;
            }
        } else if (cl & C_DIGIT) { /* \d+(?:[.,:]\d+)* */
            j = i + 1;
            for (;;) {
                while (j < b && (class_of(s[j]) & C_DIGIT)) j++;
                int separator = s[j] == '.' || s[j] == ',' || s[j] == ':';
                if (j + 1 < b && separator && (class_of(s[j + 1]) & C_DIGIT)) {
                    j += 2;
                    continue;
                }
                break;
            }
        } else if (c == '-' && i + 1 < b && s[i + 1] == '-') {
            j = i + 2;
        } else if (c == '.' && i + 2 < b && s[i + 1] == '.' && s[i + 2] == '.') {
            j = i + 3;
        } else if (!(cl & (C_WORD | C_SPACE))) { /* [^\w\s] */
            j = i + 1;
        } else {
            i++;
            continue;
        }
        uint64_t h = hash_of(s + i, j - i);
        __builtin_prefetch(&tok->slots[h & tok->mask]);
        if (push_span(d, i, j - i, h) < 0) return -1;
        i = j;
    }
    if (d->starts.n == mark + 1) {
        d->starts.n = d->lens.n = d->hashes.n = mark;
        return 0;
    }
    return push_span(d, -2, 0, 0);
}

/* The first string in the pool whose tag is h's, -1 if none (a probe that touches no key). */
static inline Py_ssize_t first_tagged(const Pool *p, uint64_t h) {
    for (size_t i = h & p->mask;; i = (i + 1) & p->mask) {
        uint64_t slot = p->slots[i];
        if (slot == EMPTY) return -1;
        if (TAG(slot) == TAG(h)) return (Py_ssize_t)(slot & 0xffffffff);
    }
}

/* The spans' token ids, in place of their starts (new tokens registered in order of appearance). */
static int resolve(Doc *d) {
    Table *t = d->t;
    Py_ssize_t n = d->starts.n;
    int64_t *starts = d->starts.items;
    const int64_t *lens = d->lens.items;
    const uint64_t *hashes = (const uint64_t *)d->hashes.items;
    /* the keys of the tagged strings (their slots were asked for while reading the text), then their chars */
    for (Py_ssize_t k = 0; k < n; k++) {
        if (starts[k] < 0) continue;
        Py_ssize_t id = first_tagged(&t->tok, hashes[k]);
        if (id >= 0) __builtin_prefetch(&t->tok.keys[id]);
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (starts[k] < 0) continue;
        Py_ssize_t id = first_tagged(&t->tok, hashes[k]);
        if (id >= 0) __builtin_prefetch(t->tok.chars + t->tok.keys[id].start);
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        Py_ssize_t id;
        if (starts[k] < 0) {
            id = starts[k] == -1 ? t->start_id : t->end_id;
        } else {
            const Py_UCS4 *s = d->s + starts[k];
            id = pool_find(&t->tok, s, lens[k], hashes[k]);
            if (id < 0) id = add_token(t, s, lens[k], hashes[k]);
            if (id < 0) return -1;
        }
        starts[k] = id;
    }
    return 0;
}

static inline int is_space(Py_UCS4 c) { return (class_of(c) & C_SPACE) != 0; }

/* Whether the full stop at s[p] ends an abbreviation, as mt.sentences decides: the last whitespace-separated
 * word of s[start:p], lowered, is in _ABBREV or is a single letter. 1, 0, or -1 on error. */
static int is_abbreviation(Doc *d, Py_ssize_t start, Py_ssize_t p) {
    const Py_UCS4 *s = d->s;
    Py_ssize_t e = p;
    while (e > start && is_space(s[e - 1])) e--;
    if (e == start) return 0;
    Py_ssize_t b = e;
    while (b > start && !is_space(s[b - 1])) b--;
    int ascii = 1;
    for (Py_ssize_t i = b; i < e; i++) ascii &= s[i] < 128;
    PyObject *low;
    if (ascii) {
        Py_UCS4 buf[32];
        Py_UCS4 *lowered = e - b <= 32 ? buf : PyMem_Malloc((size_t)(e - b) * sizeof(Py_UCS4));
        if (!lowered) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = b; i < e; i++) lowered[i - b] = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i];
        low = str_of(lowered, e - b);
        if (lowered != buf) PyMem_Free(lowered);
    } else {
        PyObject *word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, s + b, e - b);
        if (!word) return -1;
        low = lower_name() ? PyObject_CallMethodNoArgs(word, lower_name()) : NULL;
        Py_DECREF(word);
    }
    if (!low) return -1;
    int found = PySet_Contains(d->t->abbreviations, low);
    if (found == 0)
        found = PyUnicode_GET_LENGTH(low) == 1 && Py_UNICODE_ISALPHA(PyUnicode_READ_CHAR(low, 0));
    Py_DECREF(low);
    return found;
}

/* a line break (class_of's C_LINE) without class_of_slow's four other tests for a character above ASCII */
static inline int is_line_break(Py_UCS4 c) {
    return c < 128 ? (ascii_class[c] & C_LINE) != 0 : Py_UNICODE_ISLINEBREAK(c) != 0;
}

static int is_mark(const Py_UCS4 *marks, Py_ssize_t n_marks, Py_UCS4 ch) {
    for (Py_ssize_t i = 0; i < n_marks; i++)
        if (marks[i] == ch) return 1;
    return 0;
}

/* mt.normalise's line at pos of the typographically mapped text s[:n] (str.splitlines' lines: "\r\n" is one break):
 * its span [*a, *b) without a leading bullet (mt._BULLET: spaces, one of `marks` or 1-2 decimal digits and "." or
 * ")", then at least one space), stripped; returns where the next line starts (n after the last). */
static Py_ssize_t tidy_span(const Py_UCS4 *s, Py_ssize_t pos, Py_ssize_t n, const Py_UCS4 *marks, Py_ssize_t n_marks,
                            Py_ssize_t *span_a, Py_ssize_t *span_b) {
    Py_ssize_t eol = pos;
    while (eol < n && !is_line_break(s[eol])) eol++;
    Py_ssize_t a = pos, b = eol;
    /* the bullet: ^\s*(?:[marks]|\d{1,2}[.)])\s+ */
    Py_ssize_t i = a;
    while (i < b && is_space(s[i])) i++;
    Py_ssize_t j = -1;
    if (i < b && is_mark(marks, n_marks, s[i])) {
        j = i + 1;
    } else if (i < b && Py_UNICODE_ISDECIMAL(s[i])) {
        Py_ssize_t k = i + 1;
        if (k < b && Py_UNICODE_ISDECIMAL(s[k])) k++;
        if (k < b && (s[k] == '.' || s[k] == ')')) j = k + 1;
    }
    if (j >= 0 && j < b && is_space(s[j])) {
        while (j < b && is_space(s[j])) j++;
        a = j;
    }
    while (a < b && is_space(s[a])) a++; /* strip */
    while (b > a && is_space(s[b - 1])) b--;
    *span_a = a;
    *span_b = b;
    /* the next line: after the break (\r\n is one) */
    return eol < n ? eol + 1 + (s[eol] == '\r' && eol + 1 < n && s[eol + 1] == '\n') : n;
}

static inline int is_opener(Py_UCS4 c) { return c == '"' || c == '\'' || c == '(' || c == '['; }
static inline int is_closer(Py_UCS4 c) { return c == '"' || c == '\'' || c == ')' || c == ']'; }
static inline int is_cap_or_digit(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* One line's sentences (mt.sentences: split after _SENT_END's group 1 unless after an abbreviation). */
static int emit_line(Doc *d, Py_ssize_t a, Py_ssize_t b) {
    const Py_UCS4 *s = d->s;
    while (a < b && is_space(s[a])) a++;
    while (b > a && is_space(s[b - 1])) b--;
    if (a == b) return 0;
    Py_ssize_t start = a;
    for (Py_ssize_t p = a; p < b;) {
        Py_UCS4 c = s[p];
        if (c == '.' || c == '!' || c == '?') { /* ([.!?]["')\]]*)\s+(?=["'(\[]?[A-Z0-9]) */
            Py_ssize_t q = p + 1;
            while (q < b && is_closer(s[q])) q++;
            Py_ssize_t r = q;
            while (r < b && is_space(s[r])) r++;
            if (r > q && r < b &&
                (is_cap_or_digit(s[r]) || (is_opener(s[r]) && r + 1 < b && is_cap_or_digit(s[r + 1])))) {
                int skip = c == '.' ? is_abbreviation(d, start, p) : 0;
                if (skip < 0) return -1;
                if (!skip) {
                    if (emit_sentence(d, start, q) < 0) return -1;
                    start = r;
                }
                p = r;
                continue;
            }
        }
        p++;
    }
    return start < b ? emit_sentence(d, start, b) : 0;
}

static PyObject *bytes_of(const void *items, Py_ssize_t n, Py_ssize_t size) {
    return PyBytes_FromStringAndSize(n ? (const char *)items : "", n * size);
}

static PyObject *list_of(const int64_t *items, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    if (!list) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyLong_FromLongLong(items[i]);
        if (!value) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, value);
    }
    return list;
}

/* extract of the text s[:len] (a PyMem buffer, which this frees); with `tidy_marks`, of mt.normalise's lines of the
 * typographically mapped text s[:len] (tidy_span: the lines tidy would join, read where they are) */
static PyObject *extract_chars(Table *t, Py_UCS4 *s, Py_ssize_t len, Py_ssize_t window, const Py_UCS4 *tidy_marks,
                               Py_ssize_t n_marks) {
    PyObject *out = NULL;
    Doc d = {t, s, {0}, {0}, {0}};
    /* the spans' buffers sized for most texts at once (buf_push grows them past it) */
    Py_ssize_t guess = len / 3 + 256;
    if (!(d.starts.items = malloc(guess * sizeof(int64_t))) || !(d.lens.items = malloc(guess * sizeof(int64_t))) ||
        !(d.hashes.items = malloc(guess * sizeof(int64_t)))) {
        free(d.starts.items);
        free(d.lens.items);
        free(d.hashes.items);
        PyMem_Free(s);
        return PyErr_NoMemory();
    }
    d.starts.cap = d.lens.cap = d.hashes.cap = guess;
    int64_t *shapes = NULL, *words = NULL, *prev = NULL, *fixed = NULL, *marks = NULL;
    uint64_t *codes = NULL, *tmp = NULL;
    Py_ssize_t *counts = NULL;
    Buf sent_lens = {0}, starts = {0}, caps_ids = {0}, lex_ids = {0};
    PyObject *caps_tokens = NULL, *lex_words = NULL;

    /* sentences and tokens: lines as str.splitlines ends them (mt.sentences) */
    if (tidy_marks) {
        for (Py_ssize_t pos = 0; pos < len;) {
            Py_ssize_t a, b;
            pos = tidy_span(s, pos, len, tidy_marks, n_marks, &a, &b);
            if (emit_line(&d, a, b) < 0) goto error;
        }
    } else {
        for (Py_ssize_t a = 0; a <= len;) {
            Py_ssize_t b = a;
            while (b < len && !(class_of(s[b]) & C_LINE)) b++;
            if (emit_line(&d, a, b) < 0) goto error;
            a = b + 1;
        }
    }
    if (resolve(&d) < 0) goto error;
    PyMem_Free(s);
    s = NULL;
    /* "W" and "Ws" after the document's tokens, as the Python code asks for them (they may be new) */
    int64_t shape_w = shape_of(t, t->names[N_W]);
    if (shape_w < 0) goto error;
    int64_t shape_ws = shape_of(t, t->names[N_WS]);
    if (shape_ws < 0) goto error;

    /* a new stamp: the per-document fields of the words and the capitalised tokens start afresh */
    if (++t->stamp == 0) {
        for (Py_ssize_t i = 0; i < t->tok.n; i++) t->tf[i].stamp = 0;
        for (Py_ssize_t i = 0; i < t->wrd.n; i++) t->wf[i].stamp = 0;
        if (t->tri) memset(t->tri, 0, t->tri_size * sizeof(TriSlot));
        t->stamp = 1;
    }
    uint32_t stamp = t->stamp;
    const int64_t *tid = d.starts.items;
    Py_ssize_t n = d.starts.n;
    size_t room = (size_t)(n ? n : 1);
    shapes = malloc(room * sizeof(int64_t));
    words = malloc(room * sizeof(int64_t));
    prev = malloc(room * sizeof(int64_t));
    fixed = calloc((size_t)(t->n_fixed ? t->n_fixed : 1), sizeof(int64_t));
    marks = calloc((size_t)t->n_marks, sizeof(int64_t));
    codes = malloc(2 * room * sizeof(uint64_t));
    tmp = malloc(2 * room * sizeof(uint64_t));
    counts = malloc(2 * room * sizeof(Py_ssize_t));
    if (!shapes || !words || !prev || !fixed || !marks || !codes || !tmp || !counts) goto nomemory;

    /* the facts of the document's tokens, then of their words, asked for all at once: most are in no cache
     * after the Python code between two documents, and the loop below would wait for them one by one */
    for (Py_ssize_t i = 0; i < n; i++) __builtin_prefetch(&t->tf[tid[i]]);
    for (Py_ssize_t i = 0; i < n; i++) {
        int32_t w = t->tf[tid[i]].word;
        if (w >= 0) __builtin_prefetch(&t->wf[w]);
    }
    /* one pass over the positions (mt.extract's numpy reductions, position by position) */
    int64_t n_words = 0, distinct = 0, len_sum = 0, long_words = 0, caps = 0, contractions = 0,
            possessives = 0, passive = 0, content_types = 0, content_tokens = 0, nounish = 0;
    int first = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t id = tid[i];
        TokenFacts *f = &t->tf[id];
        int64_t shape = f->shape;
        if (id == t->start_id) {
            if (buf_push(&sent_lens, 0) < 0) goto nomemory;
            first = 1;
        } else if (f->flags & T_ALPHA) {
            int64_t w = f->word;
            WordFacts *wf = &t->wf[w];
            sent_lens.items[sent_lens.n - 1]++;
            if (first) { /* the sentence's first word: its sentence-initial shape, never a capitalised name */
                shape = f->shape_first;
                if (buf_push(&starts, w) < 0) goto nomemory;
                first = 0;
            } else if (f->flags & T_UPPER) {
                caps++;
                if (f->stamp != stamp) {
                    f->stamp = stamp;
                    if (buf_push(&caps_ids, id) < 0) goto nomemory;
                }
            }
            if (wf->stamp != stamp) {
                wf->stamp = stamp;
                wf->last = -1;
                wf->lex_count = 0;
                distinct++;
                content_types += wf->flags & W_CONTENT;
            }
            len_sum += wf->length;
            long_words += wf->length >= 9;
            contractions += wf->kind == 1;
            possessives += wf->kind == 2;
            content_tokens += wf->flags & W_CONTENT;
            if (w < t->n_fixed) fixed[w]++;
            if ((f->flags & T_LEX) && wf->lex_count++ == 0 && buf_push(&lex_ids, w) < 0) goto nomemory;
            prev[n_words] = wf->last;
            wf->last = n_words;
            words[n_words++] = w;
        }
        shapes[i] = shape;
        nounish += shape == shape_w || shape == shape_ws;
        if (id <= t->last_mark && t->mark_at[id] >= 0) marks[t->mark_at[id]]++;
        if (i + 1 < n && (f->flags & T_BE) && (t->tf[tid[i + 1]].flags & T_PARTICIPLE)) passive++;
    }

    /* shape bigrams and trigrams (mt._K codes), sorted and counted */
    Py_ssize_t n_codes = 0, n_grams = 0;
    uint64_t k = (uint64_t)t->k;
    const uint64_t *sh = (const uint64_t *)shapes;
    for (Py_ssize_t i = 0; i + 1 < n; i++) codes[n_codes++] = sh[i] * k + sh[i + 1];
    Py_ssize_t n_bigrams = n_codes;
    for (Py_ssize_t i = 0; i + 2 < n; i++)
        codes[n_codes++] = k * k * k + (sh[i] * k + sh[i + 1]) * k + sh[i + 2];
    /* (apart: every trigram's code is above every bigram's, and each kind has fewer bytes that differ) */
    sort_u64(codes, tmp, n_bigrams);
    sort_u64(codes + n_bigrams, tmp, n_codes - n_bigrams);
    for (Py_ssize_t i = 0; i < n_codes; i++) {
        if (n_grams && codes[n_grams - 1] == codes[i]) {
            counts[n_grams - 1]++;
        } else {
            codes[n_grams] = codes[i];
            counts[n_grams++] = 1;
        }
    }

    /* repeated word trigrams: codes as mt.extract computes them (int64 arithmetic, wrapping alike), counted
     * in a hash table (only how many occur more than once matters, not their order): a code seen a second time
     * adds 2 (both occurrences), a third time and after 1; the slots are marked with the document's stamp, so
     * that the table (kept on the Table, grown as needed) is not cleared for each document */
    int64_t repeated = 0;
    if (n_words > 2) {
        uint64_t span = 0;
        for (Py_ssize_t i = 0; i < n_words; i++) span = (uint64_t)words[i] > span ? (uint64_t)words[i] : span;
        span += 1;
        Py_ssize_t m = n_words - 2;
        int bits = 6;
        while (((size_t)1 << bits) < 2 * (size_t)m) bits++;
        size_t size = (size_t)1 << bits;
        if (size > t->tri_size) {
            TriSlot *grown = calloc(size, sizeof(TriSlot)); /* (stamp 0: never this document's) */
            if (!grown) goto nomemory;
            free(t->tri);
            t->tri = grown;
            t->tri_size = size;
        }
        TriSlot *slots = t->tri;
        for (Py_ssize_t i = 0; i < m; i++) {
            const uint64_t *w = (const uint64_t *)words + i;
            uint64_t code = (w[0] * span + w[1]) * span + w[2];
            size_t at = (size_t)((code * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
            while (slots[at].stamp == stamp && slots[at].key != code) at = (at + 1) & (size - 1);
            if (slots[at].stamp != stamp) {
                slots[at].stamp = stamp;
                slots[at].key = code;
                slots[at].count = 1;
            } else {
                repeated += ++slots[at].count == 2 ? 2 : 1;
            }
        }
    }

    /* MATTR (mt._mattr): each word is new in the windows that hold it and start after its last occurrence */
    int64_t mattr_total = 0;
    if (n_words > window) {
        for (int64_t i = 0; i < n_words; i++) {
            int64_t from = i - window + 1 > prev[i] + 1 ? i - window + 1 : prev[i] + 1;
            int64_t to = i < n_words - window ? i : n_words - window;
            if (to >= from) mattr_total += to - from + 1;
        }
    }

    /* the capitalised tokens and the lowercase content words, by id (numpy's unique order) */
    sort_u64((uint64_t *)caps_ids.items, tmp, caps_ids.n);
    sort_u64((uint64_t *)lex_ids.items, tmp, lex_ids.n);
    /* (their strings too are in no cache, most of them: asked for at once) */
    for (Py_ssize_t i = 0; i < lex_ids.n; i++)
        __builtin_prefetch(PyList_GET_ITEM(t->words, lex_ids.items[i]));
    for (Py_ssize_t i = 0; i < caps_ids.n; i++)
        __builtin_prefetch(PyList_GET_ITEM(t->tokens, caps_ids.items[i]));
    caps_tokens = PyList_New(caps_ids.n);
    /* the lowercase content words and their counts as two lists (mt.py makes the dict only where it is read) */
    PyObject *lex_list = PyList_New(lex_ids.n), *lex_counts = PyList_New(lex_ids.n);
    lex_words = lex_list && lex_counts ? PyTuple_Pack(2, lex_list, lex_counts) : NULL;
    Py_XDECREF(lex_list);
    Py_XDECREF(lex_counts);
    if (!caps_tokens || !lex_words) goto error;
    for (Py_ssize_t i = 0; i < caps_ids.n; i++)
        PyList_SET_ITEM(caps_tokens, i, Py_NewRef(PyList_GET_ITEM(t->tokens, caps_ids.items[i])));
    for (Py_ssize_t i = 0; i < lex_ids.n; i++) {
        PyObject *count = PyLong_FromLongLong(t->wf[lex_ids.items[i]].lex_count);
        if (!count) goto error;
        PyList_SET_ITEM(lex_counts, i, count);
        PyList_SET_ITEM(lex_list, i, Py_NewRef(PyList_GET_ITEM(t->words, lex_ids.items[i])));
    }

    out = Py_BuildValue("(NNNNNNNNLLLLLLLLLLLLLNN)", bytes_of(tid, n, 8), bytes_of(shapes, n, 8),
                        bytes_of(codes, n_grams, 8), bytes_of(counts, n_grams, sizeof(Py_ssize_t)),
                        bytes_of(fixed, t->n_fixed, 8), list_of(marks, t->n_marks),
                        list_of(sent_lens.items, sent_lens.n), list_of(starts.items, starts.n),
                        (long long)n_words, (long long)distinct, (long long)len_sum, (long long)long_words,
                        (long long)caps, (long long)contractions, (long long)possessives, (long long)passive,
                        (long long)content_types, (long long)content_tokens, (long long)nounish,
                        (long long)repeated, (long long)mattr_total, caps_tokens, lex_words);
    caps_tokens = lex_words = NULL; /* stolen by "N" (also when Py_BuildValue fails) */
    goto done;
nomemory:
    PyErr_NoMemory();
error:
    Py_CLEAR(out);
done:
    PyMem_Free(s);
    free(d.starts.items);
    free(d.lens.items);
    free(d.hashes.items);
    free(shapes);
    free(words);
    free(prev);
    free(fixed);
    free(marks);
    free(codes);
    free(tmp);
    free(counts);
    free(sent_lens.items);
    free(starts.items);
    free(caps_ids.items);
    free(lex_ids.items);
    Py_XDECREF(caps_tokens);
    Py_XDECREF(lex_words);
    return out;
}

static int extract_ready(Table *t, Py_ssize_t window) {
    if (!t->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Table is not initialised");
        return -1;
    }
    if (window <= 0) {
        PyErr_SetString(PyExc_ValueError, "extract: window must be positive");
        return -1;
    }
    return 0;
}

static PyObject *table_extract(Table *t, PyObject *args) {
    PyObject *text;
    Py_ssize_t window;
    if (!PyArg_ParseTuple(args, "Un", &text, &window) || extract_ready(t, window) < 0) return NULL;
    Py_UCS4 *s = PyUnicode_AsUCS4Copy(text);
    if (!s) return NULL;
    return extract_chars(t, s, PyUnicode_GET_LENGTH(text), window, NULL, 0);
}

/* The facts of every token and word, as bytes in mt._TOKEN_FACTS and mt._WORD_FACTS order (bool as one
 * byte, ints as int64): for tests/test_mt.py to compare with mt._Vocabulary's arrays. */
static PyObject *table_facts(Table *t, PyObject *Py_UNUSED(ignored)) {
    if (!t->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Table is not initialised");
        return NULL;
    }
    Py_ssize_t n = t->tok.n, m = t->wrd.n;
    PyObject *parts[11] = {NULL};
    for (int j = 0; j < 11; j++) {
        int wide = j == 2 || j == 3 || j == 4 || j == 8 || j == 9;
        Py_ssize_t count = j < 8 ? n : m;
        parts[j] = PyBytes_FromStringAndSize(NULL, count * (wide ? 8 : 1));
        if (!parts[j]) goto fail;
        char *buf = PyBytes_AS_STRING(parts[j]);
        for (Py_ssize_t i = 0; i < count; i++) {
            const TokenFacts *f = j < 8 ? &t->tf[i] : NULL;
            const WordFacts *w = j >= 8 ? &t->wf[i] : NULL;
            int64_t value = j == 0   ? (f->flags & T_ALPHA) != 0
                            : j == 1 ? (f->flags & T_UPPER) != 0
                            : j == 2 ? f->shape
                            : j == 3 ? f->shape_first
                            : j == 4 ? f->word
                            : j == 5 ? (f->flags & T_LEX) != 0
                            : j == 6 ? (f->flags & T_BE) != 0
                            : j == 7 ? (f->flags & T_PARTICIPLE) != 0
                            : j == 8 ? w->length
                            : j == 9 ? w->kind
                                     : (w->flags & W_CONTENT) != 0;
            if (wide)
                memcpy(buf + 8 * i, &value, 8);
            else
                buf[i] = (char)value;
        }
    }
    PyObject *tokens =
        PyTuple_Pack(8, parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]);
    PyObject *words = tokens ? PyTuple_Pack(3, parts[8], parts[9], parts[10]) : NULL;
    for (int j = 0; j < 11; j++) Py_DECREF(parts[j]);
    if (!words) {
        Py_XDECREF(tokens);
        return NULL;
    }
    return Py_BuildValue("(NN)", tokens, words);
fail:
    for (int j = 0; j < 11; j++) Py_XDECREF(parts[j]);
    return NULL;
}

/* ---- normalisation (mt.normalise after NFKC) -------------------------------------------------------- */



/* tidy(text, typo, marks) -> str: each character that is a key of `typo` (mt._TYPO, ord -> str) replaced by
 * its value, then the lines (str.splitlines) without a leading bullet (mt._BULLET: spaces, one of `marks` or
 * 1-2 decimal digits and "." or ")", then at least one space) and stripped, joined by "\n". mt.normalise
 * does this with a regex substitution that calls Python for each curly quote, then a regex and a strip per
 * line. */
/* The text (kind, data, len) with each character that is a key of `typo` (mt._TYPO, ord -> str) replaced by its
 * value, into `mapped` (a PyMem buffer the caller frees, also on failure); 0, or -1 with an exception set. */
static int typo_map(int kind, const void *data, Py_ssize_t len, PyObject *typo, Chars *out_mapped) {
    int result = -1;
    Chars mapped = {0};
    uint64_t *wide_bits = NULL;
    /* the typographic replacements: only the characters that are keys are looked up in the dict */
    uint64_t ascii_keys[2] = {0, 0};
    Py_UCS4 wide[64];
    int n_wide = 0, many = 0; /* many: more than 64 keys above ASCII, each such character is looked up */
    Py_ssize_t widest = 1;    /* the longest replacement: both buffers are allocated once, at their most */
    {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(typo, &pos, &key, &value)) {
            long code = PyLong_AsLong(key);
            if (code == -1 && PyErr_Occurred()) goto done;
            if (!PyUnicode_Check(value)) {
                PyErr_SetString(PyExc_TypeError, "tidy: typo maps ints to str");
                goto done;
            }
            if (PyUnicode_GET_LENGTH(value) > widest) widest = PyUnicode_GET_LENGTH(value);
            if (code >= 0 && code < 128)
                ascii_keys[code >> 6] |= UINT64_C(1) << (code & 63);
            else if (code >= 128 && n_wide < 64)
                wide[n_wide++] = (Py_UCS4)code;
            else if (code >= 128)
                many = 1;
        }
    }
    if (len > (PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Py_UCS4) - 1) / widest) {
        PyErr_NoMemory();
        goto done;
    }
    mapped.cap = len * widest + 1;
    if (!(mapped.items = PyMem_Malloc((size_t)mapped.cap * sizeof(Py_UCS4)))) {
        PyErr_NoMemory();
        goto done;
    }
    /* the keys above ASCII as bits up to the largest (text in other scripts: no search per character) */
    Py_UCS4 top_wide = 0;
    for (int k = 0; k < n_wide; k++)
        if (wide[k] > top_wide) top_wide = wide[k];
    wide_bits = PyMem_Calloc(top_wide / 64 + 1, sizeof(uint64_t));
    if (!wide_bits) {
        PyErr_NoMemory();
        goto done;
    }
    for (int k = 0; k < n_wide; k++) wide_bits[wide[k] >> 6] |= UINT64_C(1) << (wide[k] & 63);
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        PyObject *value = NULL;
        int key = ch < 128 ? (int)((ascii_keys[ch >> 6] >> (ch & 63)) & 1) : many;
        if (!key && ch >= 128 && ch <= top_wide) key = (int)((wide_bits[ch >> 6] >> (ch & 63)) & 1);
        if (key) {
            PyObject *key = PyLong_FromLong((long)ch);
            if (!key) goto done;
            value = PyDict_GetItemWithError(typo, key);
            Py_DECREF(key);
            if (!value && PyErr_Occurred()) goto done;
        }
        if (value) {  /* (at most `widest` characters: room was made for them) */
            Py_ssize_t m = PyUnicode_GET_LENGTH(value);
            for (Py_ssize_t j = 0; j < m; j++) mapped.items[mapped.n++] = PyUnicode_READ_CHAR(value, j);
        } else {
            mapped.items[mapped.n++] = ch;
        }
    }
    mapped.items[mapped.n] = 0; /* (as PyUnicode_AsUCS4Copy ends its copy) */
    result = 0;
done:
    PyMem_Free(wide_bits);
    *out_mapped = mapped;
    return result;
}

/* tidy's lines of the text (kind, data, len) into `lines` (a PyMem buffer the caller frees, also on failure), and the
 * bits of all their characters OR-ed in *top; 0, or -1 with an exception set. */
static int tidy_into(int kind, const void *data, Py_ssize_t len, PyObject *typo, PyObject *marks_str, Chars *out_lines,
                     Py_UCS4 *out_top) {
    Py_ssize_t n_marks = PyUnicode_GET_LENGTH(marks_str);
    int result = -1;
    Py_UCS4 *marks = PyUnicode_AsUCS4Copy(marks_str);
    if (!marks) return -1;
    Chars mapped = {0}, lines = {0};
    if (typo_map(kind, data, len, typo, &mapped) < 0) goto done;
    const Py_UCS4 *s = mapped.items;
    Py_ssize_t n = mapped.n;
    /* the lines are at most as long as the text: each "\n" between them stands for a line break */
    lines.cap = n + 1;
    if (!(lines.items = PyMem_Malloc((size_t)lines.cap * sizeof(Py_UCS4)))) {
        PyErr_NoMemory();
        goto done;
    }
    Py_UCS4 top = 0;  /* the widest character kept: the str is made in its kind at once */
    for (Py_ssize_t pos = 0, first = 1; pos < n; first = 0) {
        Py_ssize_t a, b;
        pos = tidy_span(s, pos, n, marks, n_marks, &a, &b);
        if (!first) lines.items[lines.n++] = '\n';
        for (Py_ssize_t k = a; k < b; k++) {
            top |= s[k];
            lines.items[lines.n++] = s[k];
        }
    }
    *out_top = top;
    result = 0;
done:
    PyMem_Free(marks);
    PyMem_Free(mapped.items);
    *out_lines = lines;
    return result;
}

static PyObject *tidy(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *text, *typo, *marks_str, *out = NULL;
    if (!PyArg_ParseTuple(args, "UO!U", &text, &PyDict_Type, &typo, &marks_str)) return NULL;
    Chars lines = {0};
    Py_UCS4 top = 0;
    if (tidy_into(PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text), typo, marks_str, &lines,
                  &top) == 0) {
        if (top < 128) {  /* (most texts: one narrowing loop, not a search for the widest character, then it) */
            out = PyUnicode_New(lines.n, 127);
            if (out) {
                Py_UCS1 *dst = PyUnicode_1BYTE_DATA(out);
                for (Py_ssize_t k = 0; k < lines.n; k++) dst[k] = (Py_UCS1)lines.items[k];
            }
        } else {
            out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, lines.items, lines.n);
        }
    }
    PyMem_Free(lines.items);
    return out;
}


/* The line of the text that starts at a, put in NFKC into `out` (room for the rest of the text made: a character
 * gives one, but for a replacement, which makes its own) by `table` (see extract_raw): the end of the line (its
 * "\n" or len); -3 - i when the character at i is left to unicodedata; -2 on error (an exception set). */
static inline Py_ssize_t nfkc_line(int kind, const void *data, Py_ssize_t a, Py_ssize_t len, const uint32_t *table,
                                   const char *replacements, Py_ssize_t n_replacements, Chars *out) {
    Py_UCS4 *dst = out->items + out->n;
    for (Py_ssize_t k = a; k < len; k++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, k);
        if (ch == '\n') {
            out->n = dst - out->items;
            return k;
        }
        uint32_t v = ch < 0x10000 ? table[ch] : 0xFFFFFFFF;
        if (!v) {
            *dst++ = ch;
            continue;
        }
        Py_ssize_t at = (Py_ssize_t)(v >> 8), m = (Py_ssize_t)(v & 0xff);
        if (v == 0xFFFFFFFF || at + m > n_replacements) return -3 - k;
        out->n = dst - out->items;
        if (chars_room(out, m + (len - k) + 1) < 0) return -2;
        dst = out->items + out->n;
        for (Py_ssize_t q = 0; q < m; q++) *dst++ = (unsigned char)replacements[at + q];
    }
    out->n = dst - out->items;
    return len;
}

/* extract_raw(text, window, typo, marks, nfkc_table, nfkc_text, normalize) -> tuple: extract(mt.normalise(text),
 * window) in one call: each line of the text (text.split("\n")) in NFKC with the typographic replacements
 * (mt._nfkc, then `typo`), then mt.normalise's lines, then extract, without the strings between. A line whose
 * characters are all kept or replaced by `nfkc_table` (mt._nfkc_table: 65536 uint32, 0 kept, 0xFFFFFFFF neither,
 * else offset << 8 | length of the replacement in the ASCII `nfkc_text`) is made here; any other is
 * normalize(line) (mt._nfkc_typography). ASCII text is its own NFKC form: `typo` alone. */
static PyObject *table_extract_raw(Table *t, PyObject *args) {
    PyObject *text, *typo, *marks_str, *normalize;
    Py_ssize_t window;
    Py_buffer map, forms;
    if (!PyArg_ParseTuple(args, "UnO!Uy*y*O", &text, &window, &PyDict_Type, &typo, &marks_str, &map, &forms,
                          &normalize))
        return NULL;
    PyObject *out = NULL;
    Chars nfkc = {0}, lines = {0};
    if (extract_ready(t, window) < 0) goto done;
    if (map.len != 0x10000 * 4) {
        PyErr_SetString(PyExc_ValueError, "extract_raw: nfkc_table must be 65536 uint32");
        goto done;
    }
    const uint32_t *table = map.buf;
    const char *replacements = forms.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    if (!PyUnicode_IS_ASCII(text)) { /* (ASCII text is its own NFKC form) */
        for (Py_ssize_t a = 0; a <= len;) {
            if (chars_room(&nfkc, len - a + 2) < 0) goto done;
            if (a > 0) nfkc.items[nfkc.n++] = '\n';
            Py_ssize_t mark = nfkc.n, b;
            switch (kind) { /* the line, put in NFKC here as far as it can be */
            case PyUnicode_1BYTE_KIND:
                b = nfkc_line(PyUnicode_1BYTE_KIND, data, a, len, table, replacements, forms.len, &nfkc);
                break;
            case PyUnicode_2BYTE_KIND:
                b = nfkc_line(PyUnicode_2BYTE_KIND, data, a, len, table, replacements, forms.len, &nfkc);
                break;
            default:
                b = nfkc_line(PyUnicode_4BYTE_KIND, data, a, len, table, replacements, forms.len, &nfkc);
            }
            if (b == -2) goto done;
            if (b < 0) { /* a character left to unicodedata: the whole line is */
                nfkc.n = mark;
                b = -b - 3;
                while (b < len && PyUnicode_READ(kind, data, b) != '\n') b++;
                PyObject *line = PyUnicode_Substring(text, a, b);
                PyObject *normal = line ? PyObject_CallOneArg(normalize, line) : NULL;
                Py_XDECREF(line);
                if (!normal) goto done;
                if (!PyUnicode_Check(normal)) {
                    Py_DECREF(normal);
                    PyErr_SetString(PyExc_TypeError, "extract_raw: normalize must return str");
                    goto done;
                }
                Py_ssize_t m = PyUnicode_GET_LENGTH(normal);
                if (chars_room(&nfkc, m + 1) < 0) {
                    Py_DECREF(normal);
                    goto done;
                }
                int nkind = PyUnicode_KIND(normal);
                const void *ndata = PyUnicode_DATA(normal);
                for (Py_ssize_t k = 0; k < m; k++) nfkc.items[nfkc.n++] = PyUnicode_READ(nkind, ndata, k);
                Py_DECREF(normal);
            }
            a = b + 1;
        }
        if (chars_room(&nfkc, 1) < 0) goto done;
        nfkc.items[nfkc.n] = 0; /* (as PyUnicode_AsUCS4Copy ends its copy) */
        lines = nfkc; /* (the typography is in the table too) */
        nfkc.items = NULL;
    } else if (typo_map(kind, data, len, typo, &lines) < 0) { /* ASCII: the typography alone */
        goto done;
    }
    /* mt.normalise's lines read where they are (tidy_span) */
    Py_UCS4 *marks = PyUnicode_AsUCS4Copy(marks_str);
    if (!marks) goto done;
    out = extract_chars(t, lines.items, lines.n, window, marks, PyUnicode_GET_LENGTH(marks_str));
    PyMem_Free(marks);
    lines.items = NULL; /* (extract_chars frees it) */
done:
    PyMem_Free(nfkc.items);
    PyMem_Free(lines.items);
    PyBuffer_Release(&map);
    PyBuffer_Release(&forms);
    return out;
}

/* ---- mt.raw_vector ---------------------------------------------------------------------------------- */

/* Why: raw_vector's numpy calls (searchsorted, where, three fancy assignments, an itemgetter's tuple made an
 * array) cost more than the work. Each float is one product, as numpy computes it: count as a double times
 * the per-100 factor; values are copied. */
static PyObject *vector(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_ssize_t n;
    Py_buffer codes = {0}, counts = {0}, ng = {0}, ng_at = {0}, lex_at = {0}, value_at = {0};
    double per_pos, per_word;
    PyObject *lex_words, *lex_index, *values, *names, *out = NULL;
    Py_buffer places = {0};
    if (!PyArg_ParseTuple(args, "ny*y*y*y*dOO!y*dOOy*", &n, &codes, &counts, &ng, &ng_at, &per_pos, &lex_words,
                          &PyDict_Type, &lex_index, &lex_at, &per_word, &values, &names, &value_at))
        return NULL;
    /* the document's lex words: a dict of their counts, or (words, counts) as two lists of one length */
    int lex_pairs = PyTuple_Check(lex_words) && PyTuple_GET_SIZE(lex_words) == 2 &&
                    PyList_Check(PyTuple_GET_ITEM(lex_words, 0)) && PyList_Check(PyTuple_GET_ITEM(lex_words, 1)) &&
                    PyList_GET_SIZE(PyTuple_GET_ITEM(lex_words, 0)) == PyList_GET_SIZE(PyTuple_GET_ITEM(lex_words, 1));
    if (!lex_pairs && !PyDict_Check(lex_words)) {
        PyErr_SetString(PyExc_TypeError, "vector: lex_words a dict or (words, counts)");
        goto done;
    }
    /* the values by name (a dict, and a list of the names) or by place (a list, and int64 places in it, -1: 0.0) */
    int by_place = PyList_Check(values);
    if (by_place ? PyObject_GetBuffer(names, &places, PyBUF_SIMPLE) < 0
                 : !(PyDict_Check(values) && PyList_Check(names))) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "vector: values a dict with names a list, or a list "
                                                                "with places as int64 bytes");
        goto done;
    }
    Py_ssize_t n_codes = codes.len / 8, n_ng = ng.len / 8, n_lex = lex_at.len / 8;
    Py_ssize_t n_values = by_place ? places.len / 8 : PyList_GET_SIZE(names);
    const int64_t *place = places.buf;
    const int64_t *code = codes.buf, *count = counts.buf, *wanted = ng.buf;
    const Py_ssize_t *ng_pos = ng_at.buf, *lex_pos = lex_at.buf, *value_pos = value_at.buf;
    if (counts.len != codes.len || ng_at.len != ng.len || value_at.len != n_values * 8 || n < 0) {
        PyErr_SetString(PyExc_ValueError, "vector: arrays of different lengths");
        goto done;
    }
    out = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (!out) goto done;
    double *v = (double *)PyByteArray_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) v[i] = 0.0;  /* (every position is set below: none is left unset) */
    /* both code lists are sorted (the model's by mt._Plan.compiled): one merge, no search per feature */
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < n_ng; i++) {
        if (i && wanted[i] < wanted[i - 1]) {
            PyErr_SetString(PyExc_ValueError, "vector: the n-gram codes are not sorted");
            goto fail;
        }
        while (at < n_codes && code[at] < wanted[i]) at++;
        if (ng_pos[i] < 0 || ng_pos[i] >= n) goto range;
        v[ng_pos[i]] = (double)(at < n_codes && code[at] == wanted[i] ? count[at] : 0) * per_pos;
    }
    for (Py_ssize_t i = 0; i < n_lex; i++) {
        if (lex_pos[i] < 0 || lex_pos[i] >= n) goto range;
        v[lex_pos[i]] = 0.0 * per_word;
    }
    /* the document's words that the model has (fewer than the model's) */
    Py_ssize_t pos = 0;
    PyObject *word, *word_count;
    while (lex_pairs ? pos < PyList_GET_SIZE(PyTuple_GET_ITEM(lex_words, 0)) &&
                           (word = PyList_GET_ITEM(PyTuple_GET_ITEM(lex_words, 0), pos),
                            word_count = PyList_GET_ITEM(PyTuple_GET_ITEM(lex_words, 1), pos), ++pos)
                     : PyDict_Next(lex_words, &pos, &word, &word_count)) {
        PyObject *index = PyDict_GetItemWithError(lex_index, word);
        if (!index) {
            if (PyErr_Occurred()) goto fail;
            continue;
        }
        Py_ssize_t k = PyLong_AsSsize_t(index);
        if (k == -1 && PyErr_Occurred()) goto fail;
        if (k < 0 || k >= n_lex) goto range;
        double c = PyFloat_AsDouble(word_count);
        if (c == -1.0 && PyErr_Occurred()) goto fail;
        v[lex_pos[k]] = c * per_word;
    }
    for (Py_ssize_t i = 0; i < n_values; i++) {
        PyObject *value;
        if (by_place) {
            if (place[i] >= PyList_GET_SIZE(values)) goto range;
            value = place[i] < 0 ? NULL : PyList_GET_ITEM(values, place[i]);
        } else {
            value = PyDict_GetItemWithError(values, PyList_GET_ITEM(names, i));
        }
        double x = 0.0;  /* a feature the values lack */
        if (value) {
            x = PyFloat_AsDouble(value);
            if (x == -1.0 && PyErr_Occurred()) goto fail;
        } else if (PyErr_Occurred()) {
            goto fail;
        }
        if (value_pos[i] < 0 || value_pos[i] >= n) goto range;
        v[value_pos[i]] = x;
    }
    goto done;
range:
    PyErr_SetString(PyExc_IndexError, "vector: a position out of range");
fail:
    Py_CLEAR(out);
done:
    PyBuffer_Release(&codes);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&ng);
    PyBuffer_Release(&ng_at);
    PyBuffer_Release(&lex_at);
    PyBuffer_Release(&value_at);
    PyBuffer_Release(&places); /* (zeroed where not taken: a no-op) */
    return out;
}

/* ---- mt.logit_parts and mt._largest ----------------------------------------------------------------- */


/* numpy's maximum and clip, NaN kept (np.maximum(-0.0, 0.0) is 0.0, as here) */
static inline double max_nan(double x, double floor) { return isnan(x) ? x : x > floor ? x : floor; }
static inline double clip_nan(double x, double lo, double hi) {
    x = isnan(x) ? x : x > lo ? x : lo;
    return isnan(x) ? x : x < hi ? x : hi;
}

/* Why: logit_parts is seven numpy calls on one vector; here one loop, each float by the same operations
 * (sqrt, subtract, divide, clip, multiply; numpy's reduction adds its sum to 0.0). */
static PyObject *logit(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer raw = {0}, mean = {0}, scale = {0}, weights = {0};
    double bias, z_clip;
    PyObject *contrib = NULL, *out = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*dd", &raw, &mean, &scale, &weights, &bias, &z_clip)) return NULL;
    if (mean.len != raw.len || scale.len != raw.len || weights.len != raw.len) {
        PyErr_SetString(PyExc_ValueError, "logit: arrays of different lengths");
        goto done;
    }
    Py_ssize_t n = raw.len / (Py_ssize_t)sizeof(double);
    const double *x = raw.buf, *mu = mean.buf, *sd = scale.buf, *w = weights.buf;
    contrib = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (!contrib) goto done;
    double *c = (double *)PyByteArray_AS_STRING(contrib);
    for (Py_ssize_t i = 0; i < n; i++)
        c[i] = w[i] * clip_nan((sqrt(max_nan(x[i], 0.0)) - mu[i]) / sd[i], -z_clip, z_clip);
    out = Py_BuildValue("dO", bias + (0.0 + pairwise_sum(c, n)), contrib);
done:
    Py_XDECREF(contrib);
    PyBuffer_Release(&raw);
    PyBuffer_Release(&mean);
    PyBuffer_Release(&scale);
    PyBuffer_Release(&weights);
    return out;
}

/* Why: mt._largest's argpartition and argsort, twice a document, for 3 and 1 items. The k largest of
 * sign * values, largest first, when the k + 1 largest are distinct (then any sort gives them in this order);
 * None otherwise (a tie or a NaN: mt._largest's numpy code decides, as before). */
static PyObject *largest(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer values = {0};
    double sign;
    Py_ssize_t k;
    PyObject *out = NULL;
    if (!PyArg_ParseTuple(args, "y*dn", &values, &sign, &k)) return NULL;
    Py_ssize_t n = values.len / (Py_ssize_t)sizeof(double);
    const double *v = values.buf;
    Py_ssize_t top[9];
    if (k < 1 || k > 8 || n <= k + 1) goto none;
    Py_ssize_t m = 0;  /* top[0..m) by value, largest first */
    for (Py_ssize_t i = 0; i < n; i++) {
        double x = sign * v[i];
        if (isnan(x)) goto none;
        if (m == k + 1 && !(x > sign * v[top[k]])) continue;
        Py_ssize_t j = m < k + 1 ? m++ : k;
        while (j > 0 && x > sign * v[top[j - 1]]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = i;
    }
    for (Py_ssize_t j = 1; j <= k; j++)
        if (!(sign * v[top[j - 1]] > sign * v[top[j]])) goto none;  /* a tie among the k + 1 */
    out = PyList_New(k);
    if (!out) goto done;
    for (Py_ssize_t j = 0; j < k; j++) {
        PyObject *index = PyLong_FromSsize_t(top[j]);
        if (!index) {
            Py_CLEAR(out);
            goto done;
        }
        PyList_SET_ITEM(out, j, index);
    }
    goto done;
none:
    out = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&values);
    return out;
}

/* ---- mt._name_variants ------------------------------------------------------------------------------ */

typedef struct {
    Py_UCS4 *low, *prefix;  /* t.lower() and t[:4].lower(), code points */
    Py_ssize_t n_low, n_prefix;
    uint64_t key;           /* a hash of the prefix: most pairs differ in it, and are not compared further */
} Lowered;

/* `str.lower()` of a str as code points: ASCII here, other text by Python's own lower (special casings). */
static Py_UCS4 *lowered(PyObject *s, Py_ssize_t *n) {
    if (PyUnicode_IS_ASCII(s)) {
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        const Py_UCS1 *src = PyUnicode_1BYTE_DATA(s);
        Py_UCS4 *out = PyMem_Malloc((len ? len : 1) * sizeof(Py_UCS4));
        if (!out) {
            PyErr_NoMemory();
            return NULL;
        }
        for (Py_ssize_t i = 0; i < len; i++) out[i] = src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i];
        *n = len;
        return out;
    }
    PyObject *low = lower_name() ? PyObject_CallMethodNoArgs(s, lower_name()) : NULL;
    if (!low) return NULL;
    Py_UCS4 *out = PyUnicode_AsUCS4Copy(low);
    *n = PyUnicode_GET_LENGTH(low);
    Py_DECREF(low);
    return out;
}

static int same(const Py_UCS4 *a, Py_ssize_t na, const Py_UCS4 *b, Py_ssize_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(Py_UCS4)) == 0);
}

static Py_ssize_t rstrip_s(const Py_UCS4 *a, Py_ssize_t n) {
    while (n > 0 && a[n - 1] == 's') n--;
    return n;
}

/* Why: _name_variants lowers and slices each capitalised name in Python, and compares the names of a shared
 * prefix pairwise; here the same tests (rstrip("s"), startswith, length, at most 2 differing characters) on
 * code points. */
static PyObject *name_variants(PyObject *Py_UNUSED(self), PyObject *arg) {
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "name_variants: a list of str");
        return NULL;
    }
    Py_ssize_t n_caps = PyList_GET_SIZE(arg), n = 0;
    for (Py_ssize_t i = 0; i < n_caps; i++) {
        PyObject *t = PyList_GET_ITEM(arg, i);
        if (!PyUnicode_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "name_variants: a list of str");
            return NULL;
        }
        if (PyUnicode_READY(t) < 0) return NULL;
        n += PyUnicode_GET_LENGTH(t) >= 5;
    }
    if (n < 3) return PyFloat_FromDouble(0.0);
    Lowered *types = PyMem_Calloc(n, sizeof(Lowered));
    if (!types) return PyErr_NoMemory();
    PyObject *out = NULL;
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n_caps; i++) {
        PyObject *t = PyList_GET_ITEM(arg, i);
        if (PyUnicode_GET_LENGTH(t) < 5) continue;
        Lowered *x = &types[k++];
        if (!(x->low = lowered(t, &x->n_low))) goto done;
        if (PyUnicode_IS_ASCII(t)) {  /* (t[:4].lower() is t.lower()[:4]) */
            x->prefix = x->low;
            x->n_prefix = 4;
        } else {  /* (not always: lower can change a character's length) */
            PyObject *head = PyUnicode_Substring(t, 0, 4);
            if (!head) goto done;
            x->prefix = lowered(head, &x->n_prefix);
            Py_DECREF(head);
            if (!x->prefix) goto done;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) types[i].key = hash_of(types[i].prefix, types[i].n_prefix);
    long variant = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const Lowered *a = &types[i];
        for (Py_ssize_t j = 0; j < n; j++) {
            const Lowered *b = &types[j];
            if (j == i || a->key != b->key || !same(a->prefix, a->n_prefix, b->prefix, b->n_prefix)) continue;
            /* inflections and plurals are not variants; a different ending of a similar length is */
            Py_ssize_t sa = rstrip_s(a->low, a->n_low), sb = rstrip_s(b->low, b->n_low);
            Py_ssize_t shorter = a->n_low < b->n_low ? a->n_low : b->n_low;
            if (same(a->low, sa, b->low, sb) || same(a->low, shorter, b->low, shorter)) continue;
            if (a->n_low - b->n_low > 2 || b->n_low - a->n_low > 2) continue;
            Py_ssize_t differ = 0;
            for (Py_ssize_t c = 0; c < shorter; c++) differ += a->low[c] != b->low[c];
            if (differ <= 2) {
                variant++;
                break;
            }
        }
    }
    out = PyFloat_FromDouble((double)variant / (double)n);
done:
    for (Py_ssize_t i = 0; i < k; i++) {
        if (types[i].prefix != types[i].low) PyMem_Free(types[i].prefix);
        PyMem_Free(types[i].low);
    }
    PyMem_Free(types);
    return out;
}

/* ---- the values of mt.extract ----------------------------------------------------------------------- */

/* Why: extract's first values, the function-word rates, are four numpy calls, a list and a dict of some 200
 * items; here the dict at once (keys a list), or the list (keys None: mt._compiled_extract lists all its values),
 * each rate as numpy computes it (the count as a double times 100.0, divided by the word count as a double). */
static PyObject *rates(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *keys, *out = NULL;
    Py_buffer fixed = {0}, ids = {0};
    Py_ssize_t n_words;
    if (!PyArg_ParseTuple(args, "Oy*y*n", &keys, &fixed, &ids, &n_words)) return NULL;
    int listed = keys == Py_None; /* None: the rates as a list, in the ids' order */
    if (!listed && !PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "rates: keys must be a list or None");
        goto done;
    }
    Py_ssize_t n = listed ? ids.len / 8 : PyList_GET_SIZE(keys), n_fixed = fixed.len / 8;
    const int64_t *count = fixed.buf, *id = ids.buf;
    if (ids.len != n * 8) {
        PyErr_SetString(PyExc_ValueError, "rates: as many ids as keys");
        goto done;
    }
    out = listed ? PyList_New(n) : PyDict_New();
    if (!out) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (id[i] < 0 || id[i] >= n_fixed) {
            PyErr_SetString(PyExc_IndexError, "rates: an id out of range");
            goto fail;
        }
        PyObject *rate = PyFloat_FromDouble(100.0 * (double)count[id[i]] / (double)n_words);
        if (!rate) goto fail;
        if (listed) {
            PyList_SET_ITEM(out, i, rate);
            continue;
        }
        if (PyDict_SetItem(out, PyList_GET_ITEM(keys, i), rate) < 0) {
            Py_DECREF(rate);
            goto fail;
        }
        Py_DECREF(rate);
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyBuffer_Release(&fixed);
    PyBuffer_Release(&ids);
    return out;
}

/* CPython's float ** 2.0 (float_pow): libm's pow of the magnitude (the exponent is even), never folded into
 * x * x by the compiler (the exponent is volatile), so that each square is Python's. */
static volatile double TWO = 2.0;
static double py_square(double x) {
    if (x == 0.0) return 0.0;
    return pow(x < 0.0 ? -x : x, TWO);
}

static int int_list(PyObject *list, const char *what) {
    if (!PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "%s: a list of int", what);
        return -1;
    }
    return 0;
}

/* Why: extract's sentence values are Python loops over the sentences (mt._stats and four sums). Floats as
 * Python computes them: sums left to right from 0.0, integer counts divided as doubles. */
static PyObject *sentence_values(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *lens, *starts, *connectives;
    long long the_id;
    if (!PyArg_ParseTuple(args, "OOO!L", &lens, &starts, &PyFrozenSet_Type, &connectives, &the_id)) return NULL;
    if (int_list(lens, "sentence_values") < 0 || int_list(starts, "sentence_values") < 0) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lens), n_starts = PyList_GET_SIZE(starts);
    double n_sent = (double)(n > 1 ? n : 1);
    double total = 0.0, mean = 0.0, sd = 0.0;
    long long longer = 0, shorter = 0, connective = 0, the = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        long long x = PyLong_AsLongLong(PyList_GET_ITEM(lens, i));
        if (x == -1 && PyErr_Occurred()) return NULL;
        total += (double)x;
        longer += x > 35;
        shorter += x < 8;
    }
    if (n) {
        mean = total / (double)n;
        double var = 0.0;
        for (Py_ssize_t i = 0; i < n; i++)
            var += py_square((double)PyLong_AsLongLong(PyList_GET_ITEM(lens, i)) - mean);
        sd = sqrt(var / (double)n);
    }
    for (Py_ssize_t i = 0; i < n_starts; i++) {
        PyObject *w = PyList_GET_ITEM(starts, i);
        int found = PySet_Contains(connectives, w);
        if (found < 0) return NULL;
        connective += found;
        long long id = PyLong_AsLongLong(w);
        if (id == -1 && PyErr_Occurred()) return NULL;
        the += id == the_id;
    }
    return Py_BuildValue("ddddddd", mean, sd, mean != 0.0 ? sd / mean : 0.0, (double)longer / n_sent,
                         (double)shorter / n_sent, (double)connective / n_sent, (double)the / n_sent);
}

/* Why: Extracted.example's numpy comparisons, one per shape of the pattern, for the first match only. The
 * first position from which `ids` (int64) are `wanted`'s, or -1. */
static PyObject *find_run(PyObject *Py_UNUSED(self), PyObject *args) {
    Py_buffer ids = {0};
    PyObject *wanted;
    if (!PyArg_ParseTuple(args, "y*O!", &ids, &PyList_Type, &wanted)) return NULL;
    Py_ssize_t n = ids.len / 8, m = PyList_GET_SIZE(wanted), found = -1;
    const int64_t *v = ids.buf;
    int64_t want[8];
    if (m < 1 || m > 8) {
        PyErr_SetString(PyExc_ValueError, "find_run: 1 to 8 ids");
        goto done;
    }
    for (Py_ssize_t k = 0; k < m; k++) {
        want[k] = PyLong_AsLongLong(PyList_GET_ITEM(wanted, k));
        if (want[k] == -1 && PyErr_Occurred()) goto done;
    }
    for (Py_ssize_t j = 0; j + m <= n && found < 0; j++) {
        Py_ssize_t k = 0;
        while (k < m && v[j + k] == want[k]) k++;
        if (k == m) found = j;
    }
done:
    PyBuffer_Release(&ids);
    return PyErr_Occurred() ? NULL : PyLong_FromSsize_t(found);
}

static PyMethodDef module_methods[] = {
    {"find_run", find_run, METH_VARARGS,
     "find_run(ids, wanted) -> int: the first position from which the int64 ids are the list `wanted`'s, "
     "or -1."},
    {"rates", rates, METH_VARARGS,
     "rates(keys, fixed, ids, n_words) -> dict | list: each key's 100 * fixed[id] / n_words (mt.extract's first "
     "values); keys None: the list of them."},
    {"sentence_values", sentence_values, METH_VARARGS,
     "sentence_values(sent_lens, starts, connective_ids, the_id) -> (mean, sd, cv, share_long, share_short, "
     "connective_start, the_start): mt.extract's sentence values."},
    {"name_variants", name_variants, METH_O, "name_variants(caps) -> float: mt._name_variants(caps)."},
    {"logit", logit, METH_VARARGS,
     "logit(raw, mean, scale, weights, bias, z_clip) -> (float, bytearray): mt.logit_parts' logit and "
     "contributions."},
    {"largest", largest, METH_VARARGS,
     "largest(values, sign, k) -> list | None: mt._largest(sign * values, k) when the k + 1 largest are "
     "distinct."},
    {"vector", vector, METH_VARARGS,
     "vector(n, gram_codes, gram_counts, ngrams (sorted), ngram_at, per_pos, lex_words, lex_index, lex_at, per_word, "
     "values, value_names, value_at) -> bytearray: mt.raw_vector's n doubles (lex_words a dict or (words, counts); "
     "values a dict and value_names a list, or values a list and value_names their int64 places in it)."},
    {"tidy", tidy, METH_VARARGS,
     "tidy(text, typo, marks) -> str: mt.normalise after NFKC (typographic replacements, bullets, stripped "
     "lines)."},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef table_methods[] = {
    {"extract", (PyCFunction)table_extract, METH_VARARGS,
     "extract(text, window) -> tuple: the token ids, shape ids, n-gram codes and counts (bytes), the fixed "
     "words' counts (int64 bytes), the marks' counts, the sentence lengths, the sentences' first words, the "
     "counts and the MATTR sum mt.extract needs, the capitalised tokens and the lowercase content words with "
     "their counts (see mt._compiled_counts)."},
    {"extract_raw", (PyCFunction)table_extract_raw, METH_VARARGS,
     "extract_raw(text, window, typo, marks, nfkc_table, nfkc_text, normalize) -> tuple: extract(mt.normalise(text), "
     "window), "
     "the NFKC of the lines and the typography in the same call."},
    {"facts", (PyCFunction)table_facts, METH_NOARGS,
     "facts() -> ((alpha, upper, shape, shape_first, word, lex, be, participle), (length, kind, content)): "
     "bytes."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef table_members[] = {
    {"tokens", T_OBJECT_EX, offsetof(Table, tokens), READONLY, "the tokens by id (a list; do not modify)"},
    {"words", T_OBJECT_EX, offsetof(Table, words), READONLY, "the words by id (a list; do not modify)"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "cleaner.scorers._mt_core.Table",
    .tp_basicsize = sizeof(Table),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Table(boundary, marks, fixed_words, function_words, be_words, participles, mark_shapes, "
              "abbreviations, shape_ids, shape_id, word_kind, k): the ids and facts of the tokens and words "
              "seen so far (mt._Vocabulary's, compiled).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)table_init,
    .tp_dealloc = (destructor)table_dealloc,
    .tp_traverse = (traverseproc)table_traverse,
    .tp_clear = (inquiry)table_clear,
    .tp_methods = table_methods,
    .tp_members = table_members,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mt_core",
                                    "The MT scorer's per-token loops, compiled (see cleaner/scorers/mt.py).",
                                    -1, module_methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__mt_core(void) {
    for (Py_UCS4 c = 0; c < 128; c++) ascii_class[c] = (unsigned char)class_of_slow(c);
    if (PyType_Ready(&TableType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    if (PyModule_AddObjectRef(m, "Table", (PyObject *)&TableType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
