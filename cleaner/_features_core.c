/* The block classifier's per-block text features, compiled (cleaner.classifier._text_matrix).
 *
 * Why: the text features of a document's blocks are the largest single cost of text-mode cleaning. The Python
 * code (the reference and the fallback) runs numpy over the document's code points, then a regex or a
 * str method per column and block: some forty passes over the text and thousands of small calls for a news
 * article. Here one pass over each block's code points counts the character classes, cuts and lowers the
 * regex \w words (looked up in the stop words), counts commas, spaces, sentences (_SENT_INNER) and separators
 * (_SEPARATORS), finds the URL-like literals (_URLISH) and the whitespace-split words, and works out the
 * fractions with the Python code's float operations (a count over max(count, 1.0), log1p).
 *
 * The rare regex columns stay defined by the regexes: this pass reports only where one can match (a number
 * that can start a date or a time, a block with one of the copyright literals, a short block that can open or
 * reply in a comment thread) and classifier.py runs the regex there. Each pre-filter is a necessary condition of
 * its regex (re's case folding included: tests/test_features_core.py checks the character sets), so a block it
 * passes over cannot match.
 *
 * Character classes are CPython's own per code point (Py_UNICODE_ISALPHA and the rest: what str.isalpha,
 * str.isalnum, re's \w, \d and \s use), kept in a table filled as characters are first seen. A word is lowered
 * per code point with Py_UNICODE_TOLOWER, which equals str.lower() for every word character but U+0130 (İ
 * lowers to two code points) and U+03A3 (Σ lowers by its context): a word with either is lowered by str.lower()
 * itself. Lowering word by word equals the Python code's lowering of the whole text with non-word characters
 * made spaces (a space is neither cased nor case-ignorable: Σ's context ends there).
 *
 * The Python code scans a document's blocks joined by '\0' with one more '\0' at the end; where that differs
 * from the block alone it is followed here: a block ending in an ender and whitespace counts one more sentence
 * (the joiner is the \S _SENT_INNER needs), and the whitespace-split word counts are len(str.split()) only when
 * some block of the document has two spaces in a row or other whitespace than the space, else str.count(" ") + 1.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only, no
 * numpy headers (the matrix is handed back as a bytearray of float64), no fast-math. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "_native.h" /* window_means */

#if defined(__GNUC__)
#define ALWAYS_INLINE __attribute__((always_inline)) inline
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE inline
#define NOINLINE
#endif

/* ---- the columns, in cleaner.classifier._TEXT_NAMES' order (setup() checks the names) ------------------ */

static const char *COLUMN_NAMES[] = {
    "log_chars",   "log_words",    "mean_word_len", "alpha_frac",   "digit_frac", "punct_frac", "upper_frac",
    "title_case",  "stop_frac",    "ends_sentence", "ends_colon",   "ends_other", "sentences",  "commas_per_word",
    "bullet",      "starts_digit", "starts_lower",  "has_date",     "has_time",   "separators", "urlish",
    "copyright",   "quote_start",  "cjk_frac",      "all_caps",     "comment_head", "comment_line", "prose",
};
enum {
    LOG_CHARS, LOG_WORDS, MEAN_WORD_LEN, ALPHA_FRAC, DIGIT_FRAC, PUNCT_FRAC, UPPER_FRAC, TITLE_CASE, STOP_FRAC,
    ENDS_SENTENCE, ENDS_COLON, ENDS_OTHER, SENTENCES, COMMAS_PER_WORD, BULLET, STARTS_DIGIT, STARTS_LOWER,
    HAS_DATE, HAS_TIME, SEPARATORS, URLISH, COPYRIGHT, QUOTE_START, CJK_FRAC, ALL_CAPS, COMMENT_HEAD,
    COMMENT_LINE, PROSE, N_COLUMNS
};

/* what classifier.py confirms with a regex: (kind, block, position) */
enum { CHECK_DATE, CHECK_TIME, CHECK_MONTH, CHECK_COPYRIGHT, CHECK_COMMENT_HEAD, CHECK_COMMENT_LINE };

/* ---- character classes ---------------------------------------------------------------------------------- */

enum {
    C_ALPHA = 1 << 0,   /* str.isalpha */
    C_UPPER = 1 << 1,   /* str.isupper */
    C_DIGIT = 1 << 2,   /* str.isdigit */
    C_WORD = 1 << 3,    /* re's \w: str.isalnum() or '_' */
    C_CJK = 1 << 4,     /* classifier._CJK's ranges */
    C_DECIMAL = 1 << 5, /* re's \d: str.isdecimal */
    C_LETTER = 1 << 6,  /* re's [^\W\d_] */
    C_SPACE = 1 << 7,   /* re's \s, str.isspace, what str.split() splits on */
    C_SPECIAL = 1 << 8, /* a character special() looks at */
    C_NFKC_KEEP = 1 << 9, /* NFKC leaves a text's words as they are where it occurs (see nfkc_keeps) */
    C_KNOWN = 1 << 15,  /* (the table's entry is filled) */
};

static int is_cjk(Py_UCS4 c) {
    return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff);
}

static int is_special(Py_UCS4 c) {
    switch (c) {
    case '.': case '!': case '?': case 0x3002: case 0xff01: case 0xff1f:           /* enders (_SENT_INNER), '.com' */
    case ',': case 0x3001: case 0xff0c:                                              /* commas */
    case '|': case 0xb7: case 0x2022: case 0xbb: case '/': case '-': case 0x2013: case 0x2014: /* separators */
    case ':': case '@': case '#':                                                    /* _URLISH */
    case '(': case 'y': case 'Y': case 'v': case 'V': case 0xa9:                      /* _COPYRIGHT */
    case 0x130: case 0x131: case 0x17f: case 0x212a: /* the odd case folds (classifier._FOLD_ODD): the only
                                                      * characters re.IGNORECASE matches to an ASCII letter other
                                                      * than its two cases (İ ı ſ, the Kelvin sign) */
        return 1;
    default:
        return 0;
    }
}

static PyObject *NORMALIZE, *COMBINING, *NFKC_NAME; /* unicodedata.normalize, unicodedata.combining, "NFKC" */

/* The characters of Unicode's NFC_QC=Maybe with combining class 0 in the Basic Multilingual Plane: the second
 * character of a canonical composition that is a starter (Indic vowel signs and length marks, Hangul vowels and
 * finals). tests/test_features_core.py checks the list against unicodedata's decompositions. */
static int composes_after_a_starter(Py_UCS4 c) {
    switch (c) {
    case 0x9be: case 0x9d7: case 0xb3e: case 0xb56: case 0xb57: case 0xbbe: case 0xbd7: case 0xcc2: case 0xcd5:
    case 0xcd6: case 0xd3e: case 0xd57: case 0xdcf: case 0xddf: case 0xfb5: case 0xfb7: case 0x102e: case 0x1b35:
        return 1;
    default:
        return (c >= 0x1161 && c <= 0x1175) || (c >= 0x11a8 && c <= 0x11c2);
    }
}

/* Whether NFKC leaves the words (re's \w runs) of any text made of such characters as they are: a character NFKC
 * keeps as it is, of combining class 0, that never composes with the character before it (then NFKC changes
 * nothing in a text of them: every one is a starter, nothing composes across two of them), or a non-word character
 * NFKC turns into ASCII punctuation (no ASCII character composes with the one before it, and these, unlike < = >,
 * with none after them: the words stay the same runs). A character of the Basic Multilingual Plane, asked once
 * (unicodedata's own answers); any other: no. */
static int nfkc_keeps(Py_UCS4 c, int word) {
    if (c < 128) return 1;
    if (c >= 0x10000 || (c >= 0xd800 && c <= 0xdfff) || composes_after_a_starter(c) || !NORMALIZE ||
        PyErr_Occurred())
        return 0;
    int keeps = 0;
    PyObject *ch = PyUnicode_FromOrdinal(c);
    PyObject *normal = ch ? PyObject_CallFunctionObjArgs(NORMALIZE, NFKC_NAME, ch, NULL) : NULL;
    if (normal && PyUnicode_Check(normal)) {
        if (PyUnicode_Compare(normal, ch) == 0) {
            PyObject *combining = PyObject_CallOneArg(COMBINING, ch);
            keeps = combining && PyLong_Check(combining) && PyLong_AsLong(combining) == 0;
            Py_XDECREF(combining);
        } else if (!word) {
            Py_ssize_t n = PyUnicode_GET_LENGTH(normal);
            keeps = n > 0;
            for (Py_ssize_t i = 0; i < n && keeps; i++) {
                Py_UCS4 d = PyUnicode_READ_CHAR(normal, i);
                keeps = d < 128 && !Py_UNICODE_ISALNUM(d) && d != '_' && d != '<' && d != '=' && d != '>';
            }
        }
    }
    Py_XDECREF(normal);
    Py_XDECREF(ch);
    PyErr_Clear(); /* (no answer: not kept) */
    return keeps;
}

static uint16_t class_of_new(Py_UCS4 c) {
    int alpha = Py_UNICODE_ISALPHA(c) != 0, decimal = Py_UNICODE_ISDECIMAL(c) != 0;
    int digit = Py_UNICODE_ISDIGIT(c) != 0;
    int word = alpha || decimal || digit || Py_UNICODE_ISNUMERIC(c) || c == '_';
    uint16_t f = C_KNOWN;
    if (alpha) f |= C_ALPHA;
    if (Py_UNICODE_ISUPPER(c)) f |= C_UPPER;
    if (digit) f |= C_DIGIT;
    if (word) f |= C_WORD;
    if (is_cjk(c)) f |= C_CJK;
    if (decimal) f |= C_DECIMAL;
    if (word && c != '_' && !decimal) f |= C_LETTER;
    if (Py_UNICODE_ISSPACE(c)) f |= C_SPACE;
    if (is_special(c)) f |= C_SPECIAL;
    if (nfkc_keeps(c, word)) f |= C_NFKC_KEEP;
    return f;
}

static uint16_t BMP_CLASS[0x10000]; /* filled as characters are first seen (Latin-1 at import) */

static inline unsigned class_of(Py_UCS4 c) {
    if (c < 0x10000) {
        uint16_t f = BMP_CLASS[c];
        if (!f) f = BMP_CLASS[c] = class_of_new(c);
        return f;
    }
    return class_of_new(c);
}

/* ---- a block's text: its code points read by kind ----------------------------------------------------- */

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
} Text;

#define AT(t, i) PyUnicode_READ((t)->kind, (t)->data, (i))

static inline int is_space_at(const Text *t, Py_ssize_t i) { return i < t->n && (class_of(AT(t, i)) & C_SPACE); }
static inline int is_decimal_at(const Text *t, Py_ssize_t i) {
    return i < t->n && (class_of(AT(t, i)) & C_DECIMAL);
}

/* the ASCII string s at i, case-sensitive (ci: ASCII letters in either case; a non-ASCII code point | 0x20 is
 * never an ASCII letter) */
static int ascii_at(const Text *t, Py_ssize_t i, const char *s, int ci) {
    Py_ssize_t k = (Py_ssize_t)strlen(s);
    if (i < 0 || i + k > t->n) return 0;
    for (Py_ssize_t j = 0; j < k; j++) {
        Py_UCS4 c = AT(t, i + j);
        if (ci && c < 128 && c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != (Py_UCS4)(unsigned char)s[j]) return 0;
    }
    return 1;
}

static int is_inner_closer(Py_UCS4 c) { /* _SENT_INNER's ["'”’»)] */
    return c == '"' || c == '\'' || c == 0x201d || c == 0x2019 || c == 0xbb || c == ')';
}

static int is_end_closer(Py_UCS4 c) { return is_inner_closer(c) || c == ']'; } /* classifier._CLOSERS */

static int is_bullet_char(Py_UCS4 c) { /* _BULLET's [•·▪►▸◦‣∙●○■□\-–—*+>] */
    switch (c) {
    case 0x2022: case 0xb7: case 0x25aa: case 0x25ba: case 0x25b8: case 0x25e6: case 0x2023: case 0x2219:
    case 0x25cf: case 0x25cb: case 0x25a0: case 0x25a1: case '-': case 0x2013: case 0x2014: case '*': case '+':
    case '>':
        return 1;
    default:
        return 0;
    }
}

/* The ASCII letter (lower case) re.IGNORECASE matches c to, or 0: an ASCII letter, or one of the odd case folds
 * (classifier._FOLD_ODD: İ and ı match i, ſ matches s, the Kelvin sign k); tests/test_features_core.py checks that
 * no other character matches an ASCII letter. */
static Py_UCS4 folded_letter(Py_UCS4 c) {
    if (c < 128) {
        Py_UCS4 low = c | 0x20;
        return low >= 'a' && low <= 'z' ? low : 0;
    }
    switch (c) {
    case 0x130: case 0x131: return 'i';
    case 0x17f: return 's';
    case 0x212a: return 'k';
    default: return 0;
    }
}

/* The folded letters at i (up to `most`, in `out`, NUL-terminated): how many. */
static Py_ssize_t folded_run(const Text *t, Py_ssize_t i, char *out, Py_ssize_t most) {
    Py_ssize_t k = 0;
    Py_UCS4 letter;
    while (k < most && i + k < t->n && (letter = folded_letter(AT(t, i + k)))) out[k++] = (char)letter;
    out[k] = 0;
    return k;
}

static int one_of(const char *word, const char *const *words) {
    for (; *words; words++)
        if (strcmp(word, *words) == 0) return 1;
    return 0;
}

/* a month name's first three letters (_MONTHS) */
static const char *const MONTH_STARTS[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                           "dec", NULL};
/* the units of _TIME's "N hours ago" */
static const char *const TIME_UNITS[] = {"min", "mins", "minutes", "hour", "hours", "hr", "hrs", "day", "days", "h",
                                         NULL};
/* the first two letters of _COMMENT_HEAD's words (comments, responses, kommentare, discussion, leave, post, add,
 * join, show, view; коммента: is_cyrillic_ko) */
static const char *const HEAD_STARTS[] = {"co", "re", "ko", "di", "le", "po", "ad", "jo", "sh", "vi", NULL};

static int is_cyrillic_ko(const Text *t, Py_ssize_t i) { /* к or К, then о, О or ᲂ (what re.IGNORECASE matches) */
    if (i + 1 >= t->n) return 0;
    Py_UCS4 k = AT(t, i), o = AT(t, i + 1);
    return (k == 0x43a || k == 0x41a) && (o == 0x43e || o == 0x41e || o == 0x1c82);
}

/* ... _COMMENT_LINE's whole-line words (reply, antworten, répondre, responder, rispondi, flag, like, upvote) */
static int is_reply_initial(Py_UCS4 c) {
    if (c >= 128) return 0;
    c |= 0x20;
    return c == 'r' || c == 'a' || c == 'f' || c == 'l' || c == 'u';
}

/* ---- the words: a cache of the lowered words, shared by all calls -------------------------------------- */

/* A news article has some 1,500 words, most of them ones it and the articles before it used already. A word
 * seen before (same code points) is handed back as the same str object with its stop-word flag: no new str,
 * no lowering, no hashing for the stop words (and the str keeps its hash for the classifier's sets). Bounded:
 * when full it is emptied and fills again. Words longer than CACHE_LEN are made each time. A short word (SHORT_LEN
 * code points or fewer, all Latin-1) is its own key: its code points a byte each in a uint64 (made in the scan), and
 * its hash is a one-to-one function of that key (equal hashes and lengths: the same word, nothing else compared);
 * a longer word's hash is FNV-1a over its code points, and its code points are compared. */
#define CACHE_SLOTS (1 << 16)
#define CACHE_WORDS (CACHE_SLOTS / 2)
#define CACHE_LEN 24
#define SHORT_LEN 8
#define SHORT_WORD UINT32_MAX /* an entry's `start` for a short word (no code points in KEYS) */

typedef struct {
    uint64_t hash;
    PyObject *word; /* the word lowered (a reference); NULL: an empty slot */
    uint32_t start; /* its code points as in the text, in KEYS (SHORT_WORD: a short word's, none) */
    uint16_t len;
    uint8_t facts; /* WORD_STOP, WORD_MONTH */
} Entry;

enum { WORD_STOP = 1, WORD_MONTH = 2 };

static Entry *CACHE;
static Py_ssize_t CACHED;
static Py_UCS4 *KEYS;
static size_t KEYS_LEN, KEYS_CAP;

static PyObject *STOP_WORDS;  /* classifier.STOP_WORDS (a frozenset), from setup() */
static PyObject *MONTH_WORDS; /* classifier._MONTH_WORDS (a frozenset), from setup() */
static Py_ssize_t STOP_MAX, MONTH_MAX; /* their longest words: longer words are not looked up */
static PyObject *LOWER_NAME; /* "lower", interned */

#define HASH_START UINT64_C(0xcbf29ce484222325) /* FNV-1a over code points (a long word's) */
#define HASH_STEP(h, c) (((h) ^ (uint64_t)(c)) * UINT64_C(0x100000001b3))

/* a short word's hash: one to one (an odd multiplier, then an xor-shift) */
static inline uint64_t short_hash(uint64_t key) {
    uint64_t h = key * UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 32);
}

static void cache_clear(void) {
    if (!CACHE) return;
    for (size_t s = 0; s < CACHE_SLOTS; s++)
        if (CACHE[s].word) Py_DECREF(CACHE[s].word);
    memset(CACHE, 0, CACHE_SLOTS * sizeof(Entry));
    CACHED = 0;
    KEYS_LEN = 0;
}

typedef struct {
    Py_UCS4 *lowered; /* a non-ASCII word, lowered */
    Py_ssize_t lowered_cap;
    PyObject **words; /* the block's words */
    Py_ssize_t n_words, words_cap;
} Scratch;

/* str.lower() of text[start:start + len], made anew (a new reference). `bits`: its code points or-ed. */
static PyObject *lowered_word(const Text *t, PyObject *text, Py_ssize_t start, Py_ssize_t len, Py_UCS4 bits,
                              Scratch *s) {
    PyObject *word;
    if (bits < 128) {
        if (len == 1) {
            Py_UCS4 c = AT(t, start);
            return PyUnicode_FromOrdinal(c >= 'A' && c <= 'Z' ? c | 0x20 : c); /* (CPython's cached one) */
        }
        word = PyUnicode_New(len, 127);
        if (word) {
            Py_UCS1 *out = PyUnicode_1BYTE_DATA(word);
            for (Py_ssize_t j = 0; j < len; j++) {
                Py_UCS4 c = AT(t, start + j);
                out[j] = (Py_UCS1)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
            }
        }
        return word;
    }
    if (len > s->lowered_cap) {
        Py_UCS4 *buf = PyMem_Realloc(s->lowered, (size_t)len * sizeof(Py_UCS4));
        if (!buf) return PyErr_NoMemory();
        s->lowered = buf;
        s->lowered_cap = len;
    }
    Py_UCS4 top = 0;
    for (Py_ssize_t j = 0; j < len; j++) {
        Py_UCS4 c = AT(t, start + j);
        if (c == 0x130 || c == 0x3a3) { /* İ (two code points lowered), Σ (lowered by its context): str.lower() */
            PyObject *piece = PyUnicode_Substring(text, start, start + len);
            word = piece ? PyObject_CallMethodNoArgs(piece, LOWER_NAME) : NULL;
            Py_XDECREF(piece);
            return word;
        }
        Py_UCS4 low = Py_UNICODE_TOLOWER(c);
        s->lowered[j] = low;
        if (low > top) top = low;
    }
    if (len == 1) return PyUnicode_FromOrdinal(s->lowered[0]);
    word = PyUnicode_New(len, top); /* (the exact largest code point: the str is canonical) */
    if (word) {
        int kind = PyUnicode_KIND(word);
        void *data = PyUnicode_DATA(word);
        for (Py_ssize_t j = 0; j < len; j++) PyUnicode_WRITE(kind, data, j, s->lowered[j]);
    }
    return word;
}

/* WORD_STOP and WORD_MONTH of a lowered word, -1 on an error */
static int facts_of(PyObject *word) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    int stop = n <= STOP_MAX ? PySet_Contains(STOP_WORDS, word) : 0;
    int month = n <= MONTH_MAX && stop >= 0 ? PySet_Contains(MONTH_WORDS, word) : 0;
    return stop < 0 || month < 0 ? -1 : (stop ? WORD_STOP : 0) | (month ? WORD_MONTH : 0);
}

static PyObject *new_word(const Text *t, PyObject *text, Py_ssize_t start, Py_ssize_t len, uint64_t h, int short_word,
                          Scratch *s, int *facts, Entry *slot);

/* The word text[start:start + len] lowered (a new reference) and its facts_of (*facts; -1 and NULL on an error),
 * from the cache or made and cached (new_word). `key`: its code points shifted in a byte at a time, `wide`: those
 * code points or-ed (0 where the text is Latin-1); a short word's key is the word. Inlined in scan (the text's kind
 * a constant there). */
static ALWAYS_INLINE PyObject *word_of(const Text *t, PyObject *text, Py_ssize_t start, Py_ssize_t len, uint64_t key,
                                      Py_UCS4 wide, Scratch *s, int *facts) {
    Entry *slot = NULL;
    uint64_t h = 0;
    int short_word = len <= SHORT_LEN && wide < 256;
    if (short_word) {
        h = short_hash(key);
        for (size_t at = (size_t)h & (CACHE_SLOTS - 1);; at = (at + 1) & (CACHE_SLOTS - 1)) {
            Entry *e = CACHE + at;
            if (!e->word) {
                slot = e;
                break;
            }
            if (e->hash == h && e->len == len && e->start == SHORT_WORD) { /* (the same key: the same word) */
                *facts = e->facts;
                Py_INCREF(e->word);
                return e->word;
            }
        }
    } else if (len <= CACHE_LEN) {
        h = HASH_START;
        for (Py_ssize_t j = 0; j < len; j++) h = HASH_STEP(h, AT(t, start + j));
        h ^= h >> 29;
        for (size_t at = (size_t)h & (CACHE_SLOTS - 1);; at = (at + 1) & (CACHE_SLOTS - 1)) {
            Entry *e = CACHE + at;
            if (!e->word) {
                slot = e;
                break;
            }
            if (e->hash == h && e->len == len && e->start != SHORT_WORD) {
                const Py_UCS4 *code = KEYS + e->start;
                Py_ssize_t j = 0;
                while (j < len && code[j] == AT(t, start + j)) j++;
                if (j == len) {
                    *facts = e->facts;
                    Py_INCREF(e->word);
                    return e->word;
                }
            }
        }
    }
    return new_word(t, text, start, len, h, short_word, s, facts, slot);
}

/* word_of's word not in the cache: made, and cached when `slot` (its empty slot; `h` its hash) is not NULL. */
static NOINLINE PyObject *new_word(const Text *t, PyObject *text, Py_ssize_t start, Py_ssize_t len, uint64_t h,
                                   int short_word, Scratch *s, int *facts, Entry *slot) {
    Py_UCS4 bits = 0; /* (its code points or-ed: ASCII or not) */
    for (Py_ssize_t j = 0; j < len; j++) bits |= AT(t, start + j);
    PyObject *word = lowered_word(t, text, start, len, bits, s);
    *facts = word ? facts_of(word) : -1;
    if (*facts < 0) {
        Py_XDECREF(word);
        return NULL;
    }
    if (!slot) return word;
    if (CACHED >= CACHE_WORDS) { /* full: start again (the probe's slot may be taken no more) */
        cache_clear();
        slot = CACHE + ((size_t)h & (CACHE_SLOTS - 1));
    }
    uint32_t at = SHORT_WORD;
    if (!short_word) { /* (its code points kept, to compare) */
        if (KEYS_LEN + (size_t)len > KEYS_CAP) {
            size_t cap = KEYS_CAP ? 2 * KEYS_CAP : 1 << 16;
            Py_UCS4 *keys = PyMem_RawRealloc(KEYS, cap * sizeof(Py_UCS4));
            if (!keys) return word; /* (not cached) */
            KEYS = keys;
            KEYS_CAP = cap;
        }
        for (Py_ssize_t j = 0; j < len; j++) KEYS[KEYS_LEN + j] = AT(t, start + j);
        at = (uint32_t)KEYS_LEN;
        KEYS_LEN += (size_t)len;
    }
    Py_INCREF(word);
    *slot = (Entry){.hash = h, .word = word, .start = at, .len = (uint16_t)len, .facts = (uint8_t)*facts};
    CACHED++;
    return word;
}

/* ---- growing buffers ---------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t *items;
    Py_ssize_t n, cap;
} Checks;

static int add_check(Checks *c, Py_ssize_t kind, Py_ssize_t block, Py_ssize_t at) {
    if (c->n + 3 > c->cap) {
        Py_ssize_t cap = c->cap ? 2 * c->cap : 96;
        Py_ssize_t *items = PyMem_Realloc(c->items, (size_t)cap * sizeof(Py_ssize_t));
        if (!items) {
            PyErr_NoMemory();
            return -1;
        }
        c->items = items;
        c->cap = cap;
    }
    c->items[c->n++] = kind;
    c->items[c->n++] = block;
    c->items[c->n++] = at;
    return 0;
}

/* ---- one block ---------------------------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t letters, upper, digits, cjk, runs, runs_upper, split_words; /* (the SPREAD counts) */
    Py_ssize_t word_chars, words, stops, commas, spaces, sentences, separators;
    int urlish, copyright, has_colon, double_space, odd_space, odd_fold, month_word;
    unsigned every; /* the classes every character has */
} Counts;

/* What a character adds to seven counts, by its class (low byte) and whether the character before it is a letter
 * and whitespace: letters, upper case, digits, CJK, letter runs ([^\W\d_]+), the runs that start upper case,
 * whitespace-split words (a non-space after a space or at the start); SPREAD_BITS bits each in a uint64, read out
 * every SPREAD_CHUNK characters. */
#define SPREAD_BITS 9
#define SPREAD_CHUNK ((1 << SPREAD_BITS) - 1)
#define SPREAD_INDEX(f, prev) (((f) & 0xff) | (((prev) & (C_LETTER | C_SPACE)) << 2))
static uint64_t SPREAD[1024];

static void fill_spread(void) {
    for (unsigned index = 0; index < 1024; index++) {
        unsigned f = index & 0xff, prev_letter = (index >> 8) & 1, prev_space = (index >> 9) & 1;
        int run = (f & C_LETTER) && !prev_letter;
        int counts[7] = {(f & C_ALPHA) != 0, (f & C_UPPER) != 0, (f & C_DIGIT) != 0, (f & C_CJK) != 0, run,
                         run && (f & C_UPPER), !(f & C_SPACE) && prev_space};
        uint64_t packed = 0;
        for (int j = 0; j < 7; j++) packed |= (uint64_t)counts[j] << (SPREAD_BITS * j);
        SPREAD[index] = packed;
    }
}

static void add_spread(Counts *k, uint64_t packed) {
    Py_ssize_t *fields[7] = {&k->letters, &k->upper, &k->digits, &k->cjk, &k->runs, &k->runs_upper, &k->split_words};
    for (int j = 0; j < 7; j++) *fields[j] += (Py_ssize_t)((packed >> (SPREAD_BITS * j)) & SPREAD_CHUNK);
}

/* A word ends: its lowered str to the block's words. */
static ALWAYS_INLINE int add_word(const Text *t, PyObject *text, Py_ssize_t start, Py_ssize_t end, uint64_t key,
                                  Py_UCS4 wide, Counts *k, Scratch *s) {
    if (s->n_words == s->words_cap) {
        Py_ssize_t cap = s->words_cap ? 2 * s->words_cap : 256;
        PyObject **words = PyMem_Realloc(s->words, (size_t)cap * sizeof(PyObject *));
        if (!words) {
            PyErr_NoMemory();
            return -1;
        }
        s->words = words;
        s->words_cap = cap;
    }
    int facts;
    PyObject *word = word_of(t, text, start, end - start, key, wide, s, &facts);
    if (!word) return -1;
    s->words[s->n_words++] = word;
    k->stops += facts & WORD_STOP;
    k->month_word |= facts & WORD_MONTH;
    k->word_chars += end - start;
    return 0;
}

/* A number starts at i (a decimal digit after a non-word character): where _DATE_AT or _TIME_AT can match. */
static int number_start(const Text *t, Py_ssize_t i, Py_ssize_t block, Checks *checks) {
    Py_ssize_t r = 0;
    while (r < 5 && is_decimal_at(t, i + r)) r++;
    Py_ssize_t p = i + r;
    Py_UCS4 after = p < t->n ? AT(t, p) : 0;
    int date = 0, time = 0;
    if (r <= 2) {
        /* \d{1,2}[./-]\d{1,2}..., \d{1,2}:\d{2} */
        date = (after == '.' || after == '/' || after == '-') && is_decimal_at(t, p + 1);
        time = after == ':' && is_decimal_at(t, p + 1);
        if (date) { /* the second number: \d{1,2}[./-]\d */
            Py_ssize_t q = p + 1, r2 = 0;
            while (r2 < 3 && is_decimal_at(t, q + r2)) r2++;
            Py_UCS4 sep = q + r2 < t->n ? AT(t, q + r2) : 0;
            date = r2 <= 2 && (sep == '.' || sep == '/' || sep == '-') && is_decimal_at(t, q + r2 + 1);
        }
        if (!date) { /* \d{1,2}\.?\s+(?:months) */
            Py_ssize_t q = p + (after == '.');
            if (is_space_at(t, q)) {
                char month[4];
                while (is_space_at(t, q)) q++;
                date = folded_run(t, q, month, 3) == 3 && one_of(month, MONTH_STARTS);
            }
        }
    } else if (r == 4) { /* \d{4}-\d{2}-\d{2}, \d{4}年 */
        date = (after == '-' && is_decimal_at(t, p + 1)) || after == 0x5e74;
    }
    if (!time) { /* \d+\s*(?:min|...|h)\s+ago: the whole run of digits (any length), a unit, spaces, "ago" */
        char unit[9], ago[4];
        while (is_decimal_at(t, p)) p++;
        while (is_space_at(t, p)) p++;
        p += folded_run(t, p, unit, 8);
        if ((unit[0] == 'm' || unit[0] == 'h' || unit[0] == 'd') && one_of(unit, TIME_UNITS) && is_space_at(t, p)) {
            while (is_space_at(t, p)) p++;
            time = folded_run(t, p, ago, 3) == 3 && strcmp(ago, "ago") == 0;
        }
    }
    if (date && add_check(checks, CHECK_DATE, block, i) < 0) return -1;
    if (time && add_check(checks, CHECK_TIME, block, i) < 0) return -1;
    return 0;
}

/* The special character c at i: sentences, commas, separators, URL-like literals, copyright literals. */
static void special(const Text *t, Py_UCS4 c, Py_ssize_t i, Counts *k, Py_ssize_t *sentence_from,
                    Py_ssize_t *last_separator) {
    switch (c) {
    case '.': /* (the first letter before the whole literal) */
        if (!k->urlish && i + 1 < t->n && AT(t, i + 1) == 'c')
            k->urlish = ascii_at(t, i + 1, "com", 0) && !(i + 4 < t->n && (class_of(AT(t, i + 4)) & C_WORD));
        if (!k->urlish && i >= 3 && AT(t, i - 1) == 'w') k->urlish = ascii_at(t, i - 3, "www", 0);
        /* a '.' is an ender too */
        /* fall through */
    case '!': case '?': case 0x3002: case 0xff01: case 0xff1f:
        if (i >= *sentence_from) { /* _SENT_INNER: [.!?。！？]["'”’»)]*\s+\S (a '\0' joiner follows the block) */
            Py_ssize_t j = i + 1;
            while (j < t->n && is_inner_closer(AT(t, j))) j++;
            if (is_space_at(t, j)) {
                while (is_space_at(t, j)) j++;
                k->sentences++;
                *sentence_from = j + 1;
            }
        }
        break;
    case ',': case 0x3001: case 0xff0c:
        k->commas++;
        break;
    case '|': case 0xb7: case 0x2022: case 0xbb: case '/': case '-': case 0x2013: case 0x2014:
        /* _SEPARATORS: \s[|·•»/]\s|\s[-–—]\s, not overlapping the last one */
        if (i >= 1 && i - *last_separator >= 3 && is_space_at(t, i + 1) && (class_of(AT(t, i - 1)) & C_SPACE)) {
            k->separators++;
            *last_separator = i;
        }
        break;
    case ':':
        k->has_colon = 1;
        if (!k->urlish)
            k->urlish = (ascii_at(t, i - 4, "http", 0) || ascii_at(t, i - 5, "https", 0)) && ascii_at(t, i + 1, "//", 0);
        break;
    case '@': case '#':
        if (!k->urlish) k->urlish = i + 1 < t->n && (class_of(AT(t, i + 1)) & C_WORD);
        break;
    case '(':
        if (!k->copyright) k->copyright = ascii_at(t, i + 1, "c)", 1);
        break;
    case 'y': case 'Y': /* (the letter before first: p, r) */
        if (!k->copyright && i >= 3 && (AT(t, i - 1) | 0x20) == 'p') k->copyright = ascii_at(t, i - 3, "copyright", 1);
        break;
    case 'v': case 'V':
        if (!k->copyright && i >= 16 && (AT(t, i - 1) | 0x20) == 'r')
            k->copyright = ascii_at(t, i - 16, "all rights reserved", 1);
        break;
    case 0xa9:
        k->copyright = 1;
        break;
    case 0x130: case 0x131: case 0x17f: case 0x212a:
        k->odd_fold = 1;
        k->copyright = 1; /* re.IGNORECASE may read it as i, s or k: the regex decides */
        break;
    }
}

/* The ASCII lower-case letters that are nothing but a letter to the scan (not special(): all but v and y), a bit
 * each from 'a'. After a letter, each adds one letter to the counts and nothing else (the same class, no new run of
 * letters, no split word, no special case): scan reads a run of them in a loop of its own. */
#define PLAIN_LOWER ((UINT32_C(1) << 26) - 1 - (UINT32_C(1) << ('v' - 'a')) - (UINT32_C(1) << ('y' - 'a')))

/* One pass over a block's code points (t->kind a constant where it is inlined); its words in s->words. */
static ALWAYS_INLINE int scan(const Text *t, PyObject *text, Py_ssize_t block, Counts *k, Checks *checks,
                              Scratch *s) {
    Py_ssize_t n = t->n, word_start = -1, sentence_from = 0, last_separator = -3;
    uint64_t key = 0; /* (the word's code points a byte each: word_of) */
    Py_UCS4 wide = 0; /* (its code points or-ed, where the text is not Latin-1) */
    unsigned prev = C_SPACE, every = ~0u; /* (before the block: not a letter; a split word starts) */
    for (Py_ssize_t chunk = 0; chunk < n; chunk += SPREAD_CHUNK) {
        Py_ssize_t end = n - chunk > SPREAD_CHUNK ? chunk + SPREAD_CHUNK : n;
        uint64_t packed = 0;
        for (Py_ssize_t i = chunk; i < end; i++) {
            Py_UCS4 c = AT(t, i);
            unsigned f = t->kind == PyUnicode_1BYTE_KIND ? BMP_CLASS[c] : class_of(c); /* (Latin-1: filled) */
            packed += SPREAD[SPREAD_INDEX(f, prev)];
            if (f & C_WORD) {
                if (word_start < 0) {
                    word_start = i;
                    key = 0;
                    wide = 0;
                    if ((f & C_DECIMAL) && number_start(t, i, block, checks) < 0) return -1;
                }
                key = key << 8 | c;
                if (t->kind != PyUnicode_1BYTE_KIND) wide |= c;
            } else {
                if (word_start >= 0) {
                    if (add_word(t, text, word_start, i, key, wide, k, s) < 0) return -1;
                    word_start = -1;
                }
                if (c == ' ') {
                    k->spaces++;
                    if (i && AT(t, i - 1) == ' ') k->double_space = 1;
                } else if (f & C_SPACE) {
                    k->odd_space = 1;
                }
            }
            if (f & C_SPECIAL) special(t, c, i, k, &sentence_from, &last_separator);
            prev = f;
            every &= f;
            if (f & C_LETTER) { /* (in a word) the plain lower-case letters after it, in this chunk */
                Py_ssize_t j = i + 1;
                for (; j < end; j++) {
                    Py_UCS4 d = AT(t, j), at = d - 'a';
                    if (at >= 26 || !((PLAIN_LOWER >> at) & 1)) break;
                    key = key << 8 | d;
                }
                if (j > i + 1) {
                    packed += (uint64_t)(j - i - 1); /* (the letters' count, SPREAD's first field) */
                    i = j - 1;
                    prev = BMP_CLASS['a']; /* (every letter's class: NFKC keeps them, `every` stays) */
                }
            }
        }
        add_spread(k, packed);
    }
    if (word_start >= 0 && add_word(t, text, word_start, n, key, wide, k, s) < 0) return -1;
    k->every = every;
    return 0;
}

static int scan_any(const Text *t, PyObject *text, Py_ssize_t block, Counts *k, Checks *checks, Scratch *s) {
    switch (t->kind) {
    case PyUnicode_1BYTE_KIND: {
        Text t1 = {PyUnicode_1BYTE_KIND, t->data, t->n};
        return scan(&t1, text, block, k, checks, s);
    }
    case PyUnicode_2BYTE_KIND: {
        Text t2 = {PyUnicode_2BYTE_KIND, t->data, t->n};
        return scan(&t2, text, block, k, checks, s);
    }
    default: {
        Text t4 = {PyUnicode_4BYTE_KIND, t->data, t->n};
        return scan(&t4, text, block, k, checks, s);
    }
    }
}

/* _BULLET: ^(?:[•·▪►▸◦‣∙●○■□\-–—*+>]|\d{1,3}[.)]|[a-z][.)])\s */
static int is_bullet(const Text *t) {
    if (t->n < 2) return 0;
    Py_UCS4 c = AT(t, 0);
    if (is_bullet_char(c)) return is_space_at(t, 1);
    Py_ssize_t r = 0;
    if (c >= 'a' && c <= 'z') {
        r = 1;
    } else {
        while (r < 4 && is_decimal_at(t, r)) r++;
        if (r == 0 || r > 3) return 0;
    }
    if (r >= t->n) return 0;
    Py_UCS4 after = AT(t, r);
    return (after == '.' || after == ')') && is_space_at(t, r + 1);
}

static int in_ascii_or(Py_UCS4 c, const char *ascii, const Py_UCS4 *other) {
    if (c < 128) return c && strchr(ascii, (int)c) != NULL;
    for (; *other; other++)
        if (c == *other) return 1;
    return 0;
}

static const Py_UCS4 ENDERS_OTHER[] = {0x3002, 0xff01, 0xff1f, 0x2026, 0};           /* 。！？… */
static const Py_UCS4 ENDS_OTHER_OTHER[] = {0xbb, 0x203a, 0x2026, 0x2013, 0x2014, 0}; /* »›…–— */
static const Py_UCS4 QUOTES_OTHER[] = {0x201c, 0x201e, 0xab, 0x2018, 0};             /* “„«‘ */

/* The block's row of the matrix, and what it leaves to the regexes. */
static int block_row(const Text *t, const Counts *k, Py_ssize_t block, double *row, Checks *checks) {
    Py_ssize_t n = t->n;
    Py_ssize_t n_words = k->words;
    if ((double)k->cjk > 0.3 * (double)(n > 1 ? n : 1)) /* no spaces: count characters as a proxy for words */
        n_words = k->words > k->cjk / 2 ? k->words : k->cjk / 2;
    Py_UCS4 first = n ? AT(t, 0) : 0, last = n ? AT(t, n - 1) : 0;
    Py_ssize_t j = n;
    while (j > 0 && is_end_closer(AT(t, j - 1))) j--;
    int ends = j > 0 && in_ascii_or(AT(t, j - 1), ".!?", ENDERS_OTHER);
    double chars = n > 1 ? (double)n : 1.0, words = k->words > 1 ? (double)k->words : 1.0;
    memset(row, 0, N_COLUMNS * sizeof(double));
    row[LOG_CHARS] = log1p((double)n);
    row[LOG_WORDS] = log1p((double)n_words);
    row[MEAN_WORD_LEN] = (double)k->word_chars / words;
    row[ALPHA_FRAC] = (double)k->letters / chars;
    row[DIGIT_FRAC] = (double)k->digits / chars;
    row[PUNCT_FRAC] = (double)(n - k->letters - k->digits - k->spaces) / chars;
    row[UPPER_FRAC] = (double)k->upper / (k->letters > 1 ? (double)k->letters : 1.0);
    row[TITLE_CASE] = (double)k->runs_upper / (k->runs > 1 ? (double)k->runs : 1.0);
    row[STOP_FRAC] = (double)k->stops / words;
    row[ENDS_SENTENCE] = ends;
    row[ENDS_COLON] = n && (last == ':' || last == 0xff1a);
    row[ENDS_OTHER] = !n || in_ascii_or(last, ">|-", ENDS_OTHER_OTHER); /* ("" in a str: True) */
    row[SENTENCES] = (double)k->sentences;
    row[COMMAS_PER_WORD] = (double)k->commas / (n_words > 1 ? (double)n_words : 1.0);
    row[BULLET] = is_bullet(t);
    row[STARTS_DIGIT] = n && Py_UNICODE_ISDIGIT(first);
    row[STARTS_LOWER] = n && Py_UNICODE_ISLOWER(first);
    row[SEPARATORS] = (double)k->separators;
    row[URLISH] = k->urlish;
    row[QUOTE_START] = !n || in_ascii_or(first, "\"'", QUOTES_OTHER);
    row[CJK_FRAC] = (double)k->cjk / chars;
    row[ALL_CAPS] = k->letters >= 3 && k->upper == k->letters;
    row[PROSE] = (n_words >= 12 && ends) || n_words >= 25;
    /* the regexes' turn (classifier._confirm), in the Python code's order: dates from numbers came first; the
     * month-first date where a month name is among the words (a document with an odd case fold: text_matrix adds
     * its other blocks of five digits or more at the end) */
    if (k->digits >= 5 && k->month_word && add_check(checks, CHECK_MONTH, block, 0) < 0) return -1;
    if (k->copyright && add_check(checks, CHECK_COPYRIGHT, block, 0) < 0) return -1;
    if (n_words <= 8) { /* _COMMENT_HEAD: ^(?:\d+\s+)?(?:comments?|...)\b */
        Py_ssize_t p = 0;
        if (is_decimal_at(t, 0)) {
            while (is_decimal_at(t, p)) p++;
            while (is_space_at(t, p)) p++;
        }
        char head[3];
        int may = (folded_run(t, p, head, 2) == 2 && one_of(head, HEAD_STARTS)) || is_cyrillic_ko(t, p);
        if (may && add_check(checks, CHECK_COMMENT_HEAD, block, 0) < 0) return -1;
    }
    /* _COMMENT_LINE: a line ending in "says:" and the like, or a lone "Reply", "12 likes" */
    if (n_words <= 10 && (k->words <= 2 || last == ':') &&
        (k->has_colon || is_reply_initial(first) || (n && (class_of(first) & C_DECIMAL))) &&
        add_check(checks, CHECK_COMMENT_LINE, block, 0) < 0)
        return -1;
    return 0;
}

/* ---- the module's functions -------------------------------------------------------------------------- */

/* The longest str of a frozenset (-1: an error). */
static Py_ssize_t longest_of(PyObject *words) {
    Py_ssize_t longest = 0;
    PyObject *it = PyObject_GetIter(words), *word;
    if (!it) return -1;
    while ((word = PyIter_Next(it))) {
        int is_str = PyUnicode_Check(word);
        if (is_str && PyUnicode_GET_LENGTH(word) > longest) longest = PyUnicode_GET_LENGTH(word);
        Py_DECREF(word);
        if (!is_str) {
            Py_DECREF(it);
            PyErr_SetString(PyExc_TypeError, "setup(): the words must be str");
            return -1;
        }
    }
    Py_DECREF(it);
    return PyErr_Occurred() ? -1 : longest;
}

/* setup(stop_words, month_words, columns): the stop words to count, the month names to note; the column names
 * classifier.py expects, checked against this module's. */
static PyObject *setup(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *stop_words, *month_words, *columns;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyFrozenSet_Type, &stop_words, &PyFrozenSet_Type, &month_words,
                          &PyTuple_Type, &columns))
        return NULL;
    if (PyTuple_GET_SIZE(columns) != N_COLUMNS) {
        PyErr_Format(PyExc_ValueError, "_features_core computes %d columns, classifier.py has %zd: rebuild it",
                     N_COLUMNS, PyTuple_GET_SIZE(columns));
        return NULL;
    }
    for (Py_ssize_t i = 0; i < N_COLUMNS; i++) {
        PyObject *name = PyTuple_GET_ITEM(columns, i);
        if (!PyUnicode_Check(name) || PyUnicode_CompareWithASCIIString(name, COLUMN_NAMES[i]) != 0) {
            PyErr_Format(PyExc_ValueError, "_features_core's column %zd is %s, classifier.py's is %R: rebuild it", i,
                         COLUMN_NAMES[i], name);
            return NULL;
        }
    }
    Py_ssize_t stop_max = longest_of(stop_words), month_max = longest_of(month_words);
    if (stop_max < 0 || month_max < 0) return NULL;
    if (!CACHE && !(CACHE = PyMem_RawCalloc(CACHE_SLOTS, sizeof(Entry)))) return PyErr_NoMemory();
    cache_clear(); /* (its words' facts were other sets') */
    Py_INCREF(stop_words);
    Py_XSETREF(STOP_WORDS, stop_words);
    Py_INCREF(month_words);
    Py_XSETREF(MONTH_WORDS, month_words);
    STOP_MAX = stop_max;
    MONTH_MAX = month_max;
    Py_RETURN_NONE;
}

static PyObject *new_list_of(const Py_ssize_t *values, Py_ssize_t n) {
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list && i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(values[i]);
        if (!v) Py_CLEAR(list);
        else PyList_SET_ITEM(list, i, v);
    }
    return list;
}

/* Where NFKC may change a block's words (a block with a character nfkc_keeps says no to): the span from the last ASCII
 * non-word character at or before the first such character (else the block's start) to the first ASCII non-word
 * character after the last one (else its end), and the block's words before it and up to its end: (start, end,
 * first_word, end_word). Every ASCII character is a starter that NFKC keeps and that composes with nothing before it,
 * so NFKC of the block is NFKC of the text before the span, of the span, and of the text after it, joined; those
 * two are of characters nfkc_keeps says yes to (their words stay as they are), and an ASCII non-word character at
 * either end of the span (or the block's end) keeps a word from running across (what NFKC may compose with <, = or
 * > is no word character). So the block's NFKC words are its words before the span, the words of NFKC of the span,
 * and its words after it. */
static PyObject *nfkc_span(const Text *t, Py_ssize_t block, Py_ssize_t n_words) {
    Py_ssize_t n = t->n, first = -1, last = -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!(class_of(AT(t, i)) & C_NFKC_KEEP)) {
            if (first < 0) first = i;
            last = i;
        }
    Py_ssize_t start = n, end = n; /* (every character kept, not expected: an empty span at the end) */
    if (first >= 0) {
#define ASCII_GAP(c) ((c) < 128 && !(class_of(c) & C_WORD))
        for (start = first; start > 0 && !ASCII_GAP(AT(t, start));) start--;
        for (end = last + 1; end < n && !ASCII_GAP(AT(t, end));) end++;
#undef ASCII_GAP
    }
    Py_ssize_t before = 0, after = 0; /* the words (\w runs) before the span, after it */
    for (Py_ssize_t i = 0; i < start; i++)
        before += (class_of(AT(t, i)) & C_WORD) && !(i && (class_of(AT(t, i - 1)) & C_WORD));
    for (Py_ssize_t i = end; i < n; i++)
        after += (class_of(AT(t, i)) & C_WORD) && !(i > end && (class_of(AT(t, i - 1)) & C_WORD));
    return Py_BuildValue("(nnnnn)", block, start, end, before, n_words - after);
}

/* text_matrix(texts) -> (matrix, words, lens, spaced, checks, fold_odd, keeps, spans); see classifier._text_matrix.
 * keeps: a byte a block, 1 where NFKC leaves its words as they are (nfkc_keeps of every character); spans: nfkc_span
 * of each other block, (block, start, end, first_word, end_word). */
static PyObject *text_matrix(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!STOP_WORDS || !MONTH_WORDS) {
        PyErr_SetString(PyExc_RuntimeError, "_features_core.setup() was not called");
        return NULL;
    }
    if (!PyList_Check(arg) && !PyTuple_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "text_matrix() takes a list of str, not %.80s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    /* (a tuple: the lists made here may set off the garbage collector, which may run Python code that changes a
     * list) */
    PyObject *seq = PySequence_Tuple(arg);
    if (!seq) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    PyObject **texts = &PyTuple_GET_ITEM(seq, 0);
    PyObject *result = NULL, *matrix = NULL, *all_words = NULL, *lens = NULL, *spaced = NULL, *checks_list = NULL;
    PyObject *keeps = NULL, *spans = NULL;
    Py_ssize_t *split = NULL, *spaces = NULL, *lengths = NULL;
    char *five_digits = NULL; /* blocks of five digits or more and no month name */
    Checks checks = {0};
    Scratch scratch = {0};
    int doc_spaced = 0, doc_odd_fold = 0;
    if ((size_t)n > PY_SSIZE_T_MAX / (N_COLUMNS * sizeof(double))) {
        PyErr_NoMemory();
        goto done;
    }
    matrix = PyByteArray_FromStringAndSize(NULL, n * N_COLUMNS * (Py_ssize_t)sizeof(double));
    all_words = PyList_New(n);
    keeps = PyBytes_FromStringAndSize(NULL, n);
    spans = PyList_New(0);
    split = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    spaces = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    lengths = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_ssize_t));
    five_digits = PyMem_Malloc((size_t)(n ? n : 1));
    if (!matrix || !all_words || !keeps || !spans) goto done;
    if (!split || !spaces || !lengths || !five_digits) {
        PyErr_NoMemory();
        goto done;
    }
    double *rows = (double *)PyByteArray_AS_STRING(matrix);
    for (Py_ssize_t b = 0; b < n; b++) {
        PyObject *text = texts[b];
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "text_matrix() takes a list of str, not of %.80s", Py_TYPE(text)->tp_name);
            goto done;
        }
        Text t = {PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
        Counts k = {0};
        scratch.n_words = 0;
        int failed = scan_any(&t, text, b, &k, &checks, &scratch);
        PyObject *words = failed ? NULL : PyList_New(scratch.n_words);
        if (!words) {
            for (Py_ssize_t j = 0; j < scratch.n_words; j++) Py_DECREF(scratch.words[j]);
            goto done;
        }
        for (Py_ssize_t j = 0; j < scratch.n_words; j++) PyList_SET_ITEM(words, j, scratch.words[j]);
        PyList_SET_ITEM(all_words, b, words);
        k.words = scratch.n_words;
        if (block_row(&t, &k, b, rows + b * N_COLUMNS, &checks) < 0) goto done;
        lengths[b] = t.n;
        split[b] = k.split_words;
        spaces[b] = t.n ? k.spaces + 1 : 0;
        doc_spaced |= k.double_space || k.odd_space;
        doc_odd_fold |= k.odd_fold;
        five_digits[b] = k.digits >= 5 && !k.month_word;
        PyBytes_AS_STRING(keeps)[b] = (k.every & C_NFKC_KEEP) != 0;
        if (!(k.every & C_NFKC_KEEP)) {
            PyObject *span = nfkc_span(&t, b, k.words);
            int added = span ? PyList_Append(spans, span) : -1;
            Py_XDECREF(span);
            if (added < 0) goto done;
        }
    }
    for (Py_ssize_t b = 0; doc_odd_fold && b < n; b++) /* (any month name may be spelt with one) */
        if (five_digits[b] && add_check(&checks, CHECK_MONTH, b, 0) < 0) goto done;
    lens = new_list_of(lengths, n);
    spaced = new_list_of(doc_spaced ? split : spaces, n);
    checks_list = PyList_New(checks.n / 3);
    if (!lens || !spaced || !checks_list) goto done;
    for (Py_ssize_t i = 0; i < checks.n / 3; i++) {
        PyObject *check = PyTuple_New(3);
        if (!check) goto done;
        PyList_SET_ITEM(checks_list, i, check);
        for (int j = 0; j < 3; j++) {
            PyObject *v = PyLong_FromSsize_t(checks.items[3 * i + j]);
            if (!v) goto done;
            PyTuple_SET_ITEM(check, j, v);
        }
    }
    result = PyTuple_Pack(8, matrix, all_words, lens, spaced, checks_list, doc_odd_fold ? Py_True : Py_False, keeps,
                          spans);
done:
    Py_XDECREF(matrix);
    Py_XDECREF(all_words);
    Py_XDECREF(lens);
    Py_XDECREF(spaced);
    Py_XDECREF(checks_list);
    Py_XDECREF(keeps);
    Py_XDECREF(spans);
    PyMem_Free(split);
    PyMem_Free(spaces);
    PyMem_Free(lengths);
    PyMem_Free(five_digits);
    PyMem_Free(checks.items);
    PyMem_Free(scratch.lowered);
    PyMem_Free(scratch.words);
    Py_DECREF(seq);
    return result;
}

/* ---- a document's columns (classifier._text_part_of's doc_rows) ---------------------------------------- */

/* doc_rows' columns that _text_part_of fills (the others: the headline's and the blank lines', _features) */
enum {
    D_POS = 2, D_POS_CHARS, D_N_BLOCKS_LOG, D_DOC_PROSE_FRAC, D_REL_FIRST_PROSE, D_REL_LAST_PROSE, D_DIST_PREV_PROSE,
    D_DIST_NEXT_PROSE, D_BETWEEN_PROSE, D_REPEAT_COUNT = 13, D_BODY_VOCAB, D_SAME_AS_PREV_SHAPE, D_TITLE_LINE_DIST,
    D_REGION_SHARE = 18, D_IN_MAIN_REGION, D_MAIN_REGION_DIST, D_MAIN_REGION_SHARE, D_COMMENT_MARKS_BEFORE,
    D_COMMENT_MARKS_NEAR, D_COMMENT_HEAD_BEFORE, N_DOC_COLUMNS
};

/* A set of str keyed by a hash and equality, with two counters a key; kept from call to call (a slot is empty
 * unless it has the table's generation: a new document empties it in one step, no clearing). */
typedef struct {
    PyObject *key; /* (borrowed, for one call) */
    Py_hash_t hash;
    Py_ssize_t count, stamp;
    uint32_t generation;
} Tally;

typedef struct {
    Tally *slots;
    size_t mask;
    uint32_t generation;
    Py_hash_t (*hash)(PyObject *key); /* -1: an error */
} Tallies;

/* Empty the table, with room for `keys` keys. */
static int tallies_start(Tallies *t, Py_ssize_t keys) {
    size_t size = t->mask + 1;
    if (!t->slots || size < 2 * (size_t)keys) {
        size = 64;
        while (size < 2 * (size_t)keys) size *= 2;
        Tally *slots = PyMem_RawCalloc(size, sizeof(Tally));
        if (!slots) {
            PyErr_NoMemory();
            return -1;
        }
        PyMem_RawFree(t->slots);
        t->slots = slots;
        t->mask = size - 1;
        t->generation = 0;
    }
    if (++t->generation == 0) { /* (wrapped around) */
        memset(t->slots, 0, size * sizeof(Tally));
        t->generation = 1;
    }
    return 0;
}

static int str_equal(PyObject *a, PyObject *b) {
    if (PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b)) { /* (canonical: equal code points, equal bytes) */
        Py_ssize_t n = PyUnicode_GET_LENGTH(a);
        int kind = PyUnicode_KIND(a);
        return n == PyUnicode_GET_LENGTH(b) && kind == PyUnicode_KIND(b) &&
               memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)(n * kind)) == 0;
    }
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* The key's tally (made when new: tallies_start reserved room for every key), NULL on an error. */
static ALWAYS_INLINE Tally *tally_hashed(Tallies *t, PyObject *key, Py_hash_t hash) {
    for (size_t at = (size_t)hash & t->mask;; at = (at + 1) & t->mask) {
        Tally *e = t->slots + at;
        if (e->generation != t->generation) {
            *e = (Tally){.key = key, .hash = hash, .generation = t->generation};
            return e;
        }
        if (e->key == key) return e;
        if (e->hash == hash) {
            int same = str_equal(e->key, key);
            if (same < 0) return NULL;
            if (same) return e;
        }
    }
}

/* a str's hash, as cached in it, else computed (and cached) */
static ALWAYS_INLINE Py_hash_t word_hash(PyObject *word) {
    Py_hash_t hash = ((PyASCIIObject *)word)->hash; /* (the callers checked: an exact str) */
    return hash != -1 ? hash : PyObject_Hash(word);
}

/* The key's tally by the table's hash function (NULL on an error). */
static Tally *tally_of(Tallies *t, PyObject *key) {
    Py_hash_t hash = t->hash(key);
    return hash == -1 ? NULL : tally_hashed(t, key, hash);
}

/* tally_of of WORD_TALLIES (the hash inlined) */
static ALWAYS_INLINE Tally *word_tally(Tallies *t, PyObject *word) {
    Py_hash_t hash = word_hash(word);
    return hash == -1 ? NULL : tally_hashed(t, word, hash);
}

/* a block's text, by its length and up to 16 code points at either end (equal texts: equal hashes; a long
 * text is not read whole) */
static Py_hash_t text_hash(PyObject *text) {
    if (!PyUnicode_CheckExact(text)) {
        PyErr_SetString(PyExc_TypeError, "doc_rows(): the texts must be str");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint64_t h = HASH_STEP(HASH_START, (uint64_t)n);
    for (Py_ssize_t i = 0; i < n && i < 16; i++) h = HASH_STEP(h, PyUnicode_READ(kind, data, i));
    for (Py_ssize_t i = n > 32 ? n - 16 : 16; i < n; i++) h = HASH_STEP(h, PyUnicode_READ(kind, data, i));
    h ^= h >> 29;
    return (Py_hash_t)(h == (uint64_t)-1 ? 0 : h);
}

static Tallies WORD_TALLIES = {.hash = word_hash}, TEXT_TALLIES = {.hash = text_hash};

typedef struct {
    Py_buffer view;
    const double *values;
} Doubles;

static int doubles_of(PyObject *obj, Py_ssize_t n, Doubles *d, const char *what) {
    if (PyObject_GetBuffer(obj, &d->view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    const char *format = d->view.format ? d->view.format : "B";
    if (d->view.itemsize != 8 || strcmp(format, "d") != 0 || d->view.len != n * 8) {
        PyErr_Format(PyExc_ValueError, "doc_rows(): %s must be %zd float64, C-contiguous", what, n);
        PyBuffer_Release(&d->view);
        return -1;
    }
    d->values = d->view.buf;
    return 0;
}

/* doc_rows(texts, base, weights, tokens, sum) -> bytearray: _text_part_of's doc_rows (float64, blocks x 25) for
 * these texts, their _text_matrix columns (`base`), np.expm1 of their log_words (`weights`, as _text_part_of
 * computes it), each block's NFKC tokens (lists: _text_part_of's sets are the sets of these) and builtins.sum (the
 * regions' total is Python's sum of their weights, whatever its order of additions). */
static PyObject *doc_rows(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *texts_arg, *base_obj, *weights_obj, *tokens_arg, *sum;
    if (!PyArg_ParseTuple(args, "O!OOO!O", &PyList_Type, &texts_arg, &base_obj, &weights_obj, &PyList_Type, &tokens_arg,
                          &sum))
        return NULL;
    /* (tuples: `sum` may run Python code, which may change a list; after it nothing here does, the tokens' lists
     * stay as they are) */
    PyObject *texts = PyList_AsTuple(texts_arg), *tokens = texts ? PyList_AsTuple(tokens_arg) : NULL;
    if (!tokens) {
        Py_XDECREF(texts);
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(texts);
    Doubles base = {0}, weights = {0};
    if (PyTuple_GET_SIZE(tokens) != n) {
        PyErr_SetString(PyExc_ValueError, "doc_rows(): a list of tokens a text");
        goto release;
    }
    if (doubles_of(base_obj, n * N_COLUMNS, &base, "base") < 0) goto release;
    if (doubles_of(weights_obj, n, &weights, "weights") < 0) {
        PyBuffer_Release(&base.view);
        goto release;
    }
    PyObject *result = NULL, *region_list = NULL, *total = NULL;
    Tallies *words = &WORD_TALLIES, *repeats = &TEXT_TALLIES;
    Tally **tallies = NULL, **seen = NULL; /* each token's, block after block; each text's */
    Py_ssize_t *ints = PyMem_Calloc((size_t)(4 * n + 1), sizeof(Py_ssize_t));
    double *region_words = PyMem_Calloc((size_t)(n + 1), sizeof(double));
    if (!ints || !region_words) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *prev_d = ints, *next_d = ints + n, *region = ints + 2 * n, *region_lo = ints + 3 * n;
    const double *X = base.values;
#define PROSE_AT(i) (X[(i) * N_COLUMNS + PROSE] != 0.0)
    /* prose blocks: how many, the first and last, the distance to the nearest one before and after (capped) */
    Py_ssize_t n_prose = 0, first_prose = -1, last_prose = -1, last = -1000000000, next = 1000000000, n_tokens = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        prev_d[i] = i - last < 50 ? i - last : 50;
        if (PROSE_AT(i)) {
            last = i;
            n_prose++;
            if (first_prose < 0) first_prose = i;
            last_prose = i;
        }
    }
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        next_d[i] = next - i < 50 ? next - i : 50;
        if (PROSE_AT(i)) next = i;
    }
    /* _region_runs(prose, weights, gap=3) and _main_region */
    Py_ssize_t n_regions = 0, current = -1;
    last = -1000000000;
    for (Py_ssize_t i = 0; i < n; i++) {
        region[i] = -1;
        if (!PROSE_AT(i)) continue;
        if (i - last > 4 || current < 0) {
            current = n_regions++;
            region_words[current] = 0.0;
            region_lo[current] = i;
        } else {
            for (Py_ssize_t j = last + 1; j < i; j++) region[j] = current;
        }
        region[i] = current;
        region_words[current] += weights.values[i];
        last = i;
    }
    Py_ssize_t main = -1, main_lo = 1000000000, main_hi = -1;
    for (Py_ssize_t r = 0; r < n_regions; r++)
        if (main < 0 || region_words[r] > region_words[main]) main = r;
    if (main >= 0) {
        main_lo = region_lo[main];
        for (Py_ssize_t i = 0; i < n; i++)
            if (region[i] == main) main_hi = i;
    }
    region_list = PyList_New(n_regions);
    for (Py_ssize_t r = 0; region_list && r < n_regions; r++) {
        PyObject *w = PyFloat_FromDouble(region_words[r]);
        if (!w) Py_CLEAR(region_list);
        else PyList_SET_ITEM(region_list, r, w);
    }
    total = region_list ? PyObject_CallOneArg(sum, region_list) : NULL;
    if (!total) goto done;
    double total_prose = PyFloat_AsDouble(total); /* max(float(sum(region_words)), 1.0) */
    if (total_prose == -1.0 && PyErr_Occurred()) goto done;
    if (!(total_prose >= 1.0)) total_prose = 1.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *list = PyTuple_GET_ITEM(tokens, i);
        if (!PyList_Check(list)) {
            PyErr_SetString(PyExc_TypeError, "doc_rows(): each block's tokens must be a list of str");
            goto done;
        }
        n_tokens += PyList_GET_SIZE(list);
    }
    /* the words of the prose blocks (in how many), then each block's share of words in one (two for prose) */
    if (tallies_start(words, n_tokens) < 0 || tallies_start(repeats, n) < 0) goto done;
    tallies = PyMem_Malloc((size_t)(n_tokens ? n_tokens : 1) * sizeof(Tally *));
    seen = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Tally *));
    if (!tallies || !seen) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0, at = 0; i < n; i++) {
        PyObject *list = PyTuple_GET_ITEM(tokens, i);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++, at++) {
            PyObject *word = PyList_GET_ITEM(list, j);
            if (!PyUnicode_CheckExact(word)) { /* (before it is hashed: hashing a str runs no Python code) */
                PyErr_SetString(PyExc_TypeError, "doc_rows(): each block's tokens must be a list of str");
                goto done;
            }
            Tally *e = tallies[at] = word_tally(words, word);
            if (!e) goto done;
            if (PROSE_AT(i) && e->stamp != i + 1) {
                e->stamp = i + 1;
                e->count++;
            }
        }
    }
    result = PyByteArray_FromStringAndSize(NULL, n * N_DOC_COLUMNS * (Py_ssize_t)sizeof(double));
    if (!result) goto done;
    double *rows = (double *)PyByteArray_AS_STRING(result);
    Py_ssize_t chars = 0, chars_total = 0, marks = 0, heads_before = 0, at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *text = PyTuple_GET_ITEM(texts, i);
        if (!(seen[i] = tally_of(repeats, text))) goto done; /* (a TypeError unless a str) */
        chars_total += PyUnicode_GET_LENGTH(text);
        seen[i]->count++;
    }
    double log_n = log1p((double)n), chars_over = chars_total > 1 ? (double)chars_total : 1.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double *row = rows + i * N_DOC_COLUMNS;
        const double *x = X + i * N_COLUMNS;
        int prose = x[PROSE] != 0.0;
        Py_ssize_t distinct = 0, known = 0;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(PyTuple_GET_ITEM(tokens, i)); j++) {
            Tally *e = tallies[at++];
            if (e->stamp != n + i + 1) { /* (the block's distinct words) */
                e->stamp = n + i + 1;
                distinct++;
                known += e->count > prose;
            }
        }
        row[0] = row[1] = row[11] = row[12] = row[17] = 0.0; /* (the blank lines', the headline's: _features) */
        row[D_POS] = (double)i / (double)n;
        row[D_POS_CHARS] = (double)chars / chars_over;
        row[D_N_BLOCKS_LOG] = log_n;
        row[D_DOC_PROSE_FRAC] = (double)n_prose / (double)n;
        row[D_REL_FIRST_PROSE] = first_prose >= 0 ? (double)(i - first_prose) / (double)n : -1.0;
        row[D_REL_LAST_PROSE] = last_prose >= 0 ? (double)(i - last_prose) / (double)n : 1.0;
        row[D_DIST_PREV_PROSE] = (double)prev_d[i];
        row[D_DIST_NEXT_PROSE] = (double)next_d[i];
        row[D_BETWEEN_PROSE] = prev_d[i] <= 10 && next_d[i] <= 10;
        row[D_REPEAT_COUNT] = (double)seen[i]->count;
        row[D_BODY_VOCAB] = distinct ? (double)known / (double)distinct : 0.0;
        row[D_SAME_AS_PREV_SHAPE] = i && fabs(x[LOG_WORDS] - x[LOG_WORDS - N_COLUMNS]) < 0.3;
        row[D_TITLE_LINE_DIST] = 99.0; /* no headline line */
        row[D_REGION_SHARE] = region[i] >= 0 ? region_words[region[i]] / total_prose : 0.0;
        Py_ssize_t outside = main_lo - i > i - main_hi ? main_lo - i : i - main_hi; /* (0 or less: in it) */
        row[D_IN_MAIN_REGION] = outside <= 0;
        row[D_MAIN_REGION_DIST] = main >= 0 ? (double)(outside < 0 ? 0 : outside > 50 ? 50 : outside) : 50.0;
        row[D_MAIN_REGION_SHARE] = main >= 0 ? region_words[main] / total_prose : 0.0;
        row[D_COMMENT_MARKS_BEFORE] = log1p((double)marks);
        row[D_COMMENT_HEAD_BEFORE] = heads_before && i >= main_lo; /* (none above the main region) */
        chars += PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(texts, i));
        marks += x[COMMENT_LINE] != 0.0;
        heads_before |= x[COMMENT_HEAD] != 0.0;
    }
    for (Py_ssize_t i = 0; i < n; i++) { /* comment lines within ten blocks either side */
        Py_ssize_t near = 0, lo = i - 10 > 0 ? i - 10 : 0, hi = i + 11 < n ? i + 11 : n;
        for (Py_ssize_t j = lo; j < hi; j++) near += X[j * N_COLUMNS + COMMENT_LINE] != 0.0;
        rows[i * N_DOC_COLUMNS + D_COMMENT_MARKS_NEAR] = (double)near;
    }
#undef PROSE_AT
done:
    if (!result || PyErr_Occurred()) Py_CLEAR(result);
    Py_XDECREF(region_list);
    Py_XDECREF(total);
    PyMem_Free(tallies);
    PyMem_Free(seen);
    PyMem_Free(ints);
    PyMem_Free(region_words);
    PyBuffer_Release(&base.view);
    PyBuffer_Release(&weights.view);
    Py_DECREF(texts);
    Py_DECREF(tokens);
    return result;
release:
    Py_DECREF(texts);
    Py_DECREF(tokens);
    return NULL;
}

/* title_overlap(tokens, title) -> bytearray: classifier._features' headline columns (float64, blocks x 2) from each
 * block's tokens (lists of str: _text_part_of's sets are their sets) and the headline's token set (`title`, not
 * empty): |s & title| / |s | title| and |s & title| / |title| of each block's set s (0.0, 0.0 for an empty one),
 * the same integer divisions as the Python code's, without making the sets. */
static PyObject *title_overlap(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *tokens_arg, *title;
    if (!PyArg_ParseTuple(args, "O!O!:title_overlap", &PyList_Type, &tokens_arg, &PySet_Type, &title)) return NULL;
    if (!PySet_CheckExact(title)) {
        PyErr_SetString(PyExc_TypeError, "title_overlap(): the title must be a set (not a subclass)");
        return NULL;
    }
    Py_ssize_t n_title = PySet_GET_SIZE(title);
    if (n_title == 0) {
        PyErr_SetString(PyExc_ValueError, "title_overlap(): an empty title");
        return NULL;
    }
    /* str alone in the headline's set: hashing and comparing its words runs no Python code (which could change
     * the lists whose words the tallies hold, borrowed) */
    PyObject *iter = PyObject_GetIter(title), *item;
    if (!iter) return NULL;
    while ((item = PyIter_Next(iter))) {
        int ok = PyUnicode_CheckExact(item);
        Py_DECREF(item);
        if (!ok) {
            Py_DECREF(iter);
            PyErr_SetString(PyExc_TypeError, "title_overlap(): the title must be a set of str");
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred()) return NULL;
    PyObject *tokens = PyList_AsTuple(tokens_arg);
    if (!tokens) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(tokens), n_tokens = 0;
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *list = PyTuple_GET_ITEM(tokens, i);
        if (!PyList_Check(list)) goto wrong;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++)
            if (!PyUnicode_CheckExact(PyList_GET_ITEM(list, j))) goto wrong;
        n_tokens += PyList_GET_SIZE(list);
    }
    /* the headline's words first, counted 1 (then a block's word is in the headline when its tally's count is 1: one
     * lookup a word, by hash and equal code points, as the set's) */
    Tallies *words = &WORD_TALLIES;
    if (tallies_start(words, n_tokens + n_title) < 0) goto done;
    PyObject *title_iter = PyObject_GetIter(title), *key; /* (a set's own iterator: no Python code runs) */
    if (!title_iter) goto done;
    while ((key = PyIter_Next(title_iter))) {
        Tally *e = tally_of(words, key); /* (the key borrowed: the set holds it) */
        Py_DECREF(key);
        if (!e) break;
        e->count = 1;
    }
    Py_DECREF(title_iter);
    if (PyErr_Occurred()) goto done;
    result = PyByteArray_FromStringAndSize(NULL, 2 * n * (Py_ssize_t)sizeof(double));
    if (!result) goto done;
    double *rows = (double *)PyByteArray_AS_STRING(result);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *list = PyTuple_GET_ITEM(tokens, i);
        Py_ssize_t distinct = 0, inter = 0;
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(list); j++) {
            PyObject *word = PyList_GET_ITEM(list, j);
            Tally *e = word_tally(words, word);
            if (!e) goto done;
            if (e->stamp == i + 1) continue; /* (seen in this block) */
            e->stamp = i + 1;
            distinct++;
            inter += e->count;
        }
        rows[2 * i] = distinct ? (double)inter / (double)(distinct + n_title - inter) : 0.0;
        rows[2 * i + 1] = distinct ? (double)inter / (double)n_title : 0.0;
    }
    goto done;
wrong:
    PyErr_SetString(PyExc_TypeError, "title_overlap(): each block's tokens must be a list of str");
done:
    if (PyErr_Occurred()) Py_CLEAR(result);
    Py_DECREF(tokens);
    return result;
}

/* ---- a text document's whole matrix (classifier._text_only_matrix, _features' copy of it) ------------------ */

#define MAX_CONTEXT 16

/* A tuple of at most MAX_CONTEXT ints, each in [lo, hi], into `into`; its length, or -1 with an exception. */
static Py_ssize_t ints_of(PyObject *tuple, Py_ssize_t *into, Py_ssize_t lo, Py_ssize_t hi, const char *what) {
    if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) > MAX_CONTEXT) {
        PyErr_Format(PyExc_ValueError, "%s must be a tuple of at most %d ints", what, MAX_CONTEXT);
        return -1;
    }
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(tuple); j++) {
        into[j] = PyLong_AsSsize_t(PyTuple_GET_ITEM(tuple, j));
        if (into[j] == -1 && PyErr_Occurred()) return -1;
        if (into[j] < lo || into[j] > hi) {
            PyErr_Format(PyExc_ValueError, "%s: %zd is out of range", what, into[j]);
            return -1;
        }
    }
    return PyTuple_GET_SIZE(tuple);
}

/* text_only(base, rows, core, windows, offsets, widths) -> bytearray: classifier._text_only_matrix (float64, blocks x
 * (28 + 25 + len(offsets) * len(core) + len(widths) * len(windows))): each block's text columns (`base`, blocks x 28),
 * its document columns (`rows`, blocks x 25), then classifier._context of base's `core` columns and `windows` columns:
 * each offset's neighbour's core values (-1.0 past either end), each width's means of the window columns over the
 * blocks i - width .. i + width (differences of running sums, as np.cumsum's, down each column). One call: the numpy
 * code's column picks, context and concatenation cost some ten numpy calls a document. */
static PyObject *text_only(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *base_obj, *rows_obj, *core_obj, *windows_obj, *offsets_obj, *widths_obj;
    if (!PyArg_ParseTuple(args, "OOOOOO:text_only", &base_obj, &rows_obj, &core_obj, &windows_obj, &offsets_obj,
                          &widths_obj))
        return NULL;
    Py_ssize_t core[MAX_CONTEXT], windows[MAX_CONTEXT], offsets[MAX_CONTEXT], widths[MAX_CONTEXT];
    Py_ssize_t k = ints_of(core_obj, core, 0, N_COLUMNS - 1, "text_only(): core");
    Py_ssize_t m = k < 0 ? -1 : ints_of(windows_obj, windows, 0, N_COLUMNS - 1, "text_only(): windows");
    Py_ssize_t n_off = m < 0 ? -1 : ints_of(offsets_obj, offsets, -PY_SSIZE_T_MAX / 2, PY_SSIZE_T_MAX / 2,
                                            "text_only(): offsets");
    Py_ssize_t n_wid = n_off < 0 ? -1 : ints_of(widths_obj, widths, 0, PY_SSIZE_T_MAX / 4, "text_only(): widths");
    if (n_wid < 0) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(base_obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    const char *format = view.format ? view.format : "B";
    Py_ssize_t n = view.len / (N_COLUMNS * (Py_ssize_t)sizeof(double));
    int fits = view.itemsize == 8 && strcmp(format, "d") == 0 && view.len == n * N_COLUMNS * 8;
    PyBuffer_Release(&view);
    if (!fits) {
        PyErr_SetString(PyExc_ValueError, "text_only(): base must be float64 (blocks x 28), C-contiguous");
        return NULL;
    }
    Doubles base = {0}, rows = {0};
    if (doubles_of(base_obj, n * N_COLUMNS, &base, "base") < 0) return NULL;
    if (doubles_of(rows_obj, n * N_DOC_COLUMNS, &rows, "rows") < 0) {
        PyBuffer_Release(&base.view);
        return NULL;
    }
    Py_ssize_t width = N_COLUMNS + N_DOC_COLUMNS + n_off * k + n_wid * m;
    PyObject *result = NULL;
    double *sums = PyMem_Malloc(((size_t)n + 1) * (size_t)(m ? m : 1) * sizeof(double));
    if (!sums) {
        PyErr_NoMemory();
        goto done;
    }
    if ((size_t)n > PY_SSIZE_T_MAX / ((size_t)width * sizeof(double))) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyByteArray_FromStringAndSize(NULL, n * width * (Py_ssize_t)sizeof(double));
    if (!result) goto done;
    double *out = (double *)PyByteArray_AS_STRING(result);
    const double *X = base.values;
    for (Py_ssize_t c = 0; c < m; c++) sums[c] = 0.0; /* (np.cumsum down each column after a row of zeros) */
    for (Py_ssize_t r = 0; r < n; r++)
        for (Py_ssize_t c = 0; c < m; c++)
            sums[(r + 1) * m + c] = r ? sums[r * m + c] + X[r * N_COLUMNS + windows[c]] : X[windows[c]];
    for (Py_ssize_t i = 0; i < n; i++) {
        double *o = out + i * width;
        memcpy(o, X + i * N_COLUMNS, N_COLUMNS * sizeof(double));
        memcpy(o + N_COLUMNS, rows.values + i * N_DOC_COLUMNS, N_DOC_COLUMNS * sizeof(double));
        o += N_COLUMNS + N_DOC_COLUMNS;
        for (Py_ssize_t j = 0; j < n_off; j++, o += k) {
            Py_ssize_t at = i + offsets[j];
            if (at >= 0 && at < n)
                for (Py_ssize_t c = 0; c < k; c++) o[c] = X[at * N_COLUMNS + core[c]];
            else
                for (Py_ssize_t c = 0; c < k; c++) o[c] = -1.0;
        }
        for (Py_ssize_t j = 0; j < n_wid; j++, o += m) window_means(o, sums, m, i, n, widths[j]);
    }
done:
    PyMem_Free(sums);
    PyBuffer_Release(&base.view);
    PyBuffer_Release(&rows.view);
    return result;
}

/* widened(matrix, read, column, spare) -> bytearray: _features' matrix of a text document from its text-only matrix
 * (float64, blocks x width, C-contiguous; not changed): each row copied, `spare` columns of 0.0 to the right, and
 * each block's blank lines in columns `column` and `column + 1`: bool() of its blank_before and blank_after in
 * blocks_key's `read` (a tuple, four values a block), as 1.0 or 0.0 (classifier._blank_lines). */
static PyObject *widened(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *matrix_obj, *read;
    Py_ssize_t column, spare;
    if (!PyArg_ParseTuple(args, "OO!nn:widened", &matrix_obj, &PyTuple_Type, &read, &column, &spare)) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(read) / 4;
    if (PyTuple_GET_SIZE(read) != 4 * n || spare < 0) {
        PyErr_SetString(PyExc_ValueError, "widened(): four values a block, spare >= 0");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(matrix_obj, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    const char *format = view.format ? view.format : "B";
    Py_ssize_t width = view.ndim == 2 ? view.shape[1] : -1;
    PyObject *result = NULL;
    if (view.itemsize != 8 || strcmp(format, "d") != 0 || view.ndim != 2 || view.shape[0] != n || column < 0 ||
        column + 2 > width || spare > PY_SSIZE_T_MAX / 16 - width) {
        PyErr_SetString(PyExc_ValueError, "widened(): a float64 matrix of a row a block, C-contiguous, with the "
                                          "blank lines' two columns");
        goto done;
    }
    Py_ssize_t wide = width + spare;
    if (n && (size_t)n > PY_SSIZE_T_MAX / ((size_t)wide * sizeof(double))) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyByteArray_FromStringAndSize(NULL, n * wide * (Py_ssize_t)sizeof(double));
    if (!result) goto done;
    double *out = (double *)PyByteArray_AS_STRING(result);
    const double *X = view.buf; /* (held by the view: bool() below may run Python code, not free it) */
    for (Py_ssize_t i = 0; i < n; i++) {
        double *o = out + i * wide;
        memcpy(o, X + i * width, (size_t)width * sizeof(double));
        for (Py_ssize_t c = width; c < wide; c++) o[c] = 0.0;
        int before = PyObject_IsTrue(PyTuple_GET_ITEM(read, 4 * i));
        int after = before < 0 ? -1 : PyObject_IsTrue(PyTuple_GET_ITEM(read, 4 * i + 1));
        if (after < 0) {
            Py_CLEAR(result);
            goto done;
        }
        o[column] = before;
        o[column + 1] = after;
    }
done:
    PyBuffer_Release(&view);
    return result;
}

/* blocks_key(blocks) -> (texts, features) or None: what classifier._scores_key reads of the blocks, made without a
 * Python frame a block: each block's `text`, and its features' blank_before, blank_after (False when missing), the
 * identity of its dom and its group (None when missing), four a block in one tuple. None when a block's features
 * are not exactly a dict (the Python code then reads them with their own .get). */
static PyObject *blocks_key(PyObject *Py_UNUSED(module), PyObject *blocks_arg) {
    static PyObject *names[4] = {NULL, NULL, NULL, NULL}, *text_name = NULL, *features_name = NULL;
    if (!text_name) {
        const char *strings[4] = {"blank_before", "blank_after", "dom", "group"};
        for (int k = 0; k < 4; k++)
            if (!names[k] && !(names[k] = PyUnicode_InternFromString(strings[k]))) return NULL;
        if (!(features_name = PyUnicode_InternFromString("features"))) return NULL;
        if (!(text_name = PyUnicode_InternFromString("text"))) return NULL;
    }
    PyObject *blocks = PySequence_Tuple(blocks_arg); /* (a block's attributes may run Python code) */
    if (!blocks) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(blocks);
    PyObject *texts = PyTuple_New(n), *features = PyTuple_New(4 * n), *result = NULL;
    if (!texts || !features) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *block = PyTuple_GET_ITEM(blocks, i);
        PyObject *text = PyObject_GetAttr(block, text_name);
        if (!text) goto done;
        PyTuple_SET_ITEM(texts, i, text);
        PyObject *f = PyObject_GetAttr(block, features_name);
        if (!f) goto done;
        if (!PyDict_CheckExact(f)) {
            Py_DECREF(f);
            result = Py_NewRef(Py_None);
            goto done;
        }
        for (int k = 0; k < 4; k++) {
            PyObject *value = PyDict_GetItemWithError(f, names[k]); /* (borrowed) */
            if (!value && PyErr_Occurred()) {
                Py_DECREF(f);
                goto done;
            }
            if (k == 2) /* the dom by identity, as id() */
                value = PyLong_FromVoidPtr(value ? value : Py_None);
            else
                value = Py_NewRef(value ? value : k < 2 ? Py_False : Py_None);
            if (!value) {
                Py_DECREF(f);
                goto done;
            }
            PyTuple_SET_ITEM(features, 4 * i + k, value);
        }
        Py_DECREF(f);
    }
    result = PyTuple_Pack(2, texts, features);
done:
    Py_XDECREF(texts);
    Py_XDECREF(features);
    Py_DECREF(blocks);
    return result;
}

static PyMethodDef methods[] = {
    {"setup", setup, METH_VARARGS,
     "setup(stop_words: frozenset, month_words: frozenset, columns: tuple[str, ...]): the stop words, the month "
     "names, and a check that the columns are classifier._TEXT_NAMES."},
    {"text_matrix", text_matrix, METH_O,
     "text_matrix(texts) -> (matrix: bytearray of float64 (blocks x columns), words, lens, spaced, checks, "
     "fold_odd, keeps, spans): classifier._text_matrix's values but for the regex columns, with (kind, block, "
     "position) where a regex can match, a byte a block: 1 where NFKC leaves its words as they are, and for each "
     "other block (block, start, end, first_word, end_word): the span of it whose words NFKC may change."},
    {"blocks_key", blocks_key, METH_O,
     "blocks_key(blocks) -> (texts, features) | None: what classifier._scores_key reads of the blocks (None: a "
     "block's features are not a dict)."},
    {"title_overlap", title_overlap, METH_VARARGS,
     "title_overlap(tokens, title) -> bytearray: classifier._features' title_sim and title_contained (float64, "
     "blocks x 2) of blocks with these tokens under a headline of these (a non-empty set of str)."},
    {"text_only", text_only, METH_VARARGS,
     "text_only(base, rows, core, windows, offsets, widths) -> bytearray: classifier._text_only_matrix (float64, "
     "blocks x columns): the text columns, the document columns, then _context of base's core and window columns."},
    {"widened", widened, METH_VARARGS,
     "widened(matrix, read, column, spare) -> bytearray: a copy of a text-only matrix with `spare` columns of 0.0 "
     "more, its blank-line columns (column, column + 1) from blocks_key's values (bool of blank_before, "
     "blank_after)."},
    {"doc_rows", doc_rows, METH_VARARGS,
     "doc_rows(texts, base, weights, tokens, sum) -> bytearray: classifier._text_part_of's doc_rows (float64, blocks "
     "x 25), the headline's and the blank lines' columns left 0."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_features_core",
                                    "The block classifier's per-block text features, compiled (see "
                                    "cleaner/classifier.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__features_core(void) {
    LOWER_NAME = PyUnicode_InternFromString("lower");
    NFKC_NAME = PyUnicode_InternFromString("NFKC");
    PyObject *unicodedata = PyImport_ImportModule("unicodedata");
    if (!LOWER_NAME || !NFKC_NAME || !unicodedata) {
        Py_XDECREF(unicodedata);
        return NULL;
    }
    NORMALIZE = PyObject_GetAttrString(unicodedata, "normalize");
    COMBINING = PyObject_GetAttrString(unicodedata, "combining");
    Py_DECREF(unicodedata);
    if (!NORMALIZE || !COMBINING) return NULL;
    for (Py_UCS4 c = 0; c < 256; c++) BMP_CLASS[c] = class_of_new(c);
    if (PyErr_Occurred()) return NULL;
    fill_spread();
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    PyObject *checks = Py_BuildValue("{sisisisisisi}", "date", CHECK_DATE, "time", CHECK_TIME, "month", CHECK_MONTH,
                                     "copyright", CHECK_COPYRIGHT, "comment_head", CHECK_COMMENT_HEAD,
                                     "comment_line", CHECK_COMMENT_LINE);
    if (!checks || PyModule_AddObject(m, "CHECKS", checks) < 0) {
        Py_XDECREF(checks);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
