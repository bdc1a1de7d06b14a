/* Text-mode segmentation and whitespace word counts, compiled (cleaner.segment.segment_text,
 * cleaner.prose.word_count, cleaner.prose.split_count).
 *
 * Why: segmenting a news-length text in Python splits it into lines, tests it for anything normalize_line would
 * change (a dozen scans of the text and a per-line check), then matches a regex and counts words per line; and a
 * word count is len(text.split()), which allocates every word to count them. Here one pass over the text's code
 * points finds the lines, their words, whether each line is already normalised (then it is cut out as it is)
 * and its indentation, and the blocks are made from that; a word count counts the runs between whitespace
 * without making them. ASCII words and single spaces, most of a text, are read 8 bytes at a time (plain_group).
 *
 * The Python code (the reference and the fallback) stays the definition; what this file follows of it:
 * - "\r\n" and "\r" are newlines (str.replace of the one, then the other, as segment.py does: only when the text
 *   has a '\r').
 * - A line's words are str.split()'s: runs between Py_UNICODE_ISSPACE code points; its text is " ".join(words)
 *   and its indentation len(raw) - len(raw.lstrip(" \t\u00a0")) of the line as given.
 * - The invisible characters and NFC: a text whose every code point is of NFC_QC=Yes and combining class 0 (ASCII,
 *   and the Basic Multilingual Plane's characters unicodedata says so of, asked once each, see learn_plain) and none
 *   of segment._INVISIBLE_CHARS is what segment._visible_nfc makes of it (Unicode's quick check says YES:
 *   unicodedata.is_normalized answers True); any other text goes through segment._visible_nfc itself (passed in),
 *   and its lines then give the words while the raw lines give the indentation.
 * - A block's kind is segment._guess_kind: the BULLET regex (re's \d is Py_UNICODE_ISDECIMAL, \s
 *   Py_UNICODE_ISSPACE), then a heading, a paragraph (at least `paragraph_words` words) or a line.
 *   tests/test_segment_core.py checks the character sets against re and the Python constants.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- character classes ----------------------------------------------------------------------------------- */

enum {
    T_SPACE = 1,   /* str.isspace: what str.split() splits at, re's \s */
    T_INDENT = 2,  /* what a line's indentation is made of: ' ', '\t', U+00A0 */
    T_NEWLINE = 4, /* '\n' */
    T_ODD = 8,     /* not known to be plain: NFC_QC=Yes, combining class 0 and not invisible (see learn_plain) */
    T_KNOWN = 16,  /* (T_ODD is settled: asked of unicodedata when first seen) */
};

static uint8_t BMP[0x10000]; /* the classes of the Basic Multilingual Plane (T_ODD settled as first seen) */

static PyObject *NORMALIZE, *COMBINING, *NFC_NAME; /* unicodedata.normalize, unicodedata.combining, "NFC" */

static int is_invisible(Py_UCS4 c) { /* segment._INVISIBLE_CHARS */
    return c == 0x200b || c == 0x200c || c == 0x200d || c == 0x2060 || c == 0xfeff || c == 0xad;
}

/* The characters of Unicode's NFC_QC=Maybe with combining class 0 in the Basic Multilingual Plane: the second of a
 * canonical composition that is a starter (Indic vowel signs and length marks, Hangul vowels and finals); NFC of
 * one alone is itself, but it composes with the character before it. tests/test_segment_core.py checks the list
 * against unicodedata's compositions. */
static int composes_after_a_starter(Py_UCS4 c) {
    switch (c) {
    case 0x9be: case 0x9d7: case 0xb3e: case 0xb56: case 0xb57: case 0xbbe: case 0xbd7: case 0xcc2: case 0xcd5:
    case 0xcd6: case 0xd3e: case 0xd57: case 0xdcf: case 0xddf: case 0xfb5: case 0xfb7: case 0x102e: case 0x1b35:
        return 1;
    default:
        return (c >= 0x1161 && c <= 0x1175) || (c >= 0x11a8 && c <= 0x11c2);
    }
}

/* Whether a code point of the Basic Multilingual Plane not seen before is plain: NFC leaves it as it is (not
 * NFC_QC=No), its combining class is 0 and it composes with nothing before it (not NFC_QC=Maybe): then its NFC_QC
 * is Yes. A surrogate, an invisible character, or no answer from unicodedata: not plain (the text goes to
 * _visible_nfc). */
static unsigned learn_plain(Py_UCS4 c) {
    int plain = 0;
    if (!is_invisible(c) && !(c >= 0xd800 && c <= 0xdfff) && !composes_after_a_starter(c) && NORMALIZE &&
        COMBINING) {
        PyObject *ch = PyUnicode_FromOrdinal(c);
        PyObject *normal = ch ? PyObject_CallFunctionObjArgs(NORMALIZE, NFC_NAME, ch, NULL) : NULL;
        if (normal && PyUnicode_Check(normal) && PyUnicode_Compare(normal, ch) == 0) {
            PyObject *combining = PyObject_CallOneArg(COMBINING, ch);
            plain = combining && PyLong_Check(combining) && PyLong_AsLong(combining) == 0;
            Py_XDECREF(combining);
        }
        Py_XDECREF(normal);
        Py_XDECREF(ch);
        PyErr_Clear(); /* (no answer: not plain) */
    }
    BMP[c] = (uint8_t)((BMP[c] | T_KNOWN) & (plain ? ~T_ODD : 0xff));
    return BMP[c];
}

/* The classes of any code point (outside the Basic Multilingual Plane: never plain, so never asked of NFC). */
static inline unsigned class_of(Py_UCS4 c) {
    if (c < 0x10000) return BMP[c];
    return (Py_UNICODE_ISSPACE(c) ? T_SPACE : 0) | T_ODD | T_KNOWN;
}

static inline int is_space(Py_UCS4 c) { return (class_of(c) & T_SPACE) != 0; }

/* ---- word counts ------------------------------------------------------------------------------------------ */

/* Groups of code units in a uint64 (little-endian: the first code unit in the lowest lane): 8 of kind 1, 4 of
 * kind 2; `ones` has 1 in each lane, `bit7` each lane's bit 7, `not_ascii` the bits of a lane above 0x7F. */
#define GROUPS(kind)                                                                                             \
    const int lanes = (kind) == PyUnicode_1BYTE_KIND ? 8 : 4, bits = 64 / lanes;                                 \
    const uint64_t ones = (kind) == PyUnicode_1BYTE_KIND ? 0x0101010101010101ULL : 0x0001000100010001ULL;       \
    const uint64_t bit7 = ones * 0x80, not_ascii = (kind) == PyUnicode_1BYTE_KIND ? bit7 : ones * 0xff80

/* Whether the group at i is all ASCII at or above ' ' (no whitespace but the space, no newline); then *spaces: the
 * bit 7 of each lane that is a space. With lanes below 0x80, adding 0x60 to each sets its bit 7 exactly when it is
 * at least 0x20, and adding 0x7F to it xor 0x20 exactly when it is not a space (no carry crosses a lane). */
static inline __attribute__((always_inline)) int plain_group(const void *data, Py_ssize_t i, int kind, uint64_t ones,
                                                             uint64_t bit7, uint64_t not_ascii, uint64_t *spaces) {
    uint64_t x;
    memcpy(&x, (const char *)data + i * kind, 8);
    if ((x & not_ascii) || ((x + ones * 0x60) & bit7) != bit7) return 0;
    *spaces = ~((x ^ (ones * 0x20)) + ones * 0x7f) & bit7;
    return 1;
}

/* A whitespace-split count under way: the runs so far, whether the last code point was whitespace, and how many
 * code points were at or above U+3040 (where prose._CJK's ranges begin). */
typedef struct {
    Py_ssize_t runs, high;
    unsigned after_space;
} Count;

static inline __attribute__((always_inline)) void count_one(Count *k, Py_UCS4 c) {
    unsigned space = class_of(c) & T_SPACE;
    k->runs += k->after_space & ~space; /* (a non-whitespace code point after whitespace, or first: a run) */
    k->after_space = space;
    k->high += c >= 0x3040;
}

/* len(text.split()) of a str's code points of one kind: the non-whitespace code points after a whitespace one (or
 * first). Eight bytes (kind 1) or four code units (kind 2) at a time where they are all ASCII and their only
 * whitespace is ' ' (the usual words and single spaces: plain_group), the spaces' bits giving the runs' starts at
 * once; any other group is read code point by code point. */
static inline __attribute__((always_inline)) Count count_runs(int kind, const void *data, Py_ssize_t n) {
    Count k = {0, 0, 1};
    Py_ssize_t i = 0;
#if PY_LITTLE_ENDIAN
    if (kind != PyUnicode_4BYTE_KIND) {
        GROUPS(kind);
        for (; i + lanes <= n; i += lanes) {
            uint64_t spaces;
            if (plain_group(data, i, kind, ones, bit7, not_ascii, &spaces)) {
                uint64_t starts = ((spaces << bits) | (k.after_space ? 0x80 : 0)) & ~spaces & bit7;
                k.runs += (Py_ssize_t)(((starts >> 7) * ones) >> (64 - bits));
                k.after_space = (unsigned)(spaces >> (64 - bits + 7));
                continue;
            }
            for (int j = 0; j < lanes; j++) count_one(&k, PyUnicode_READ(kind, data, i + j));
        }
    }
#endif
    for (; i < n; i++) count_one(&k, PyUnicode_READ(kind, data, i));
    return k;
}

static Count count_of(PyObject *text) {
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        return count_runs(PyUnicode_1BYTE_KIND, data, n);
    case PyUnicode_2BYTE_KIND:
        return count_runs(PyUnicode_2BYTE_KIND, data, n);
    default:
        return count_runs(PyUnicode_4BYTE_KIND, data, n);
    }
}

static int str_argument(PyObject *arg, const char *function) {
    if (PyUnicode_Check(arg)) return 0;
    PyErr_Format(PyExc_TypeError, "%s: a str is needed, not %.100s", function, Py_TYPE(arg)->tp_name);
    return -1;
}

/* split_count(text): len(text.split()) without making the words. */
static PyObject *split_count(PyObject *Py_UNUSED(module), PyObject *text) {
    if (str_argument(text, "split_count") < 0) return NULL;
    return PyLong_FromSsize_t(count_of(text).runs);
}

static inline int is_cjk(Py_UCS4 c) { /* prose._CJK's ranges */
    return c >= 0x3040 && ((c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) ||
           (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff));
}

/* prose.word_count of a str. The whitespace-split words; where they are few for the length (a quarter
 * of the characters or less), half the CJK characters if they are more than 3 in 10 characters. The Python code
 * first looks at the UTF-8 bytes beyond one a character (more than 3 in 5 characters: "extra"): a CJK character
 * has two, so 10 * cjk > 3 * len implies 5 * extra > 3 * len, and the count alone decides; it is made only where
 * the code points from U+3040 on (CJK or not) are enough. (A str in memory is far shorter than 2**59 code points:
 * the products stay within Py_ssize_t.) */
static Py_ssize_t words_of(PyObject *text) {
    Count k = count_of(text);
    Py_ssize_t n = k.runs, len = PyUnicode_GET_LENGTH(text);
    if (n * 4 < len && k.high * 10 > 3 * len) {
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t cjk = 0;
        for (Py_ssize_t i = 0; i < len; i++) cjk += is_cjk(PyUnicode_READ(kind, data, i));
        if (cjk * 10 > 3 * len && cjk / 2 > n) n = cjk / 2;
    }
    return n;
}

/* word_count(text): prose.word_count. */
static PyObject *word_count(PyObject *Py_UNUSED(module), PyObject *text) {
    if (str_argument(text, "word_count") < 0) return NULL;
    return PyLong_FromSsize_t(words_of(text));
}

/* ---- segmentation --------------------------------------------------------------------------------------- */

typedef struct {
    PyObject *text;         /* the line normalised: its words joined by single spaces */
    Py_ssize_t words, indent, number; /* its number of words, its indentation, its line number */
} Item;

typedef struct {
    Item *items;
    Py_ssize_t n, cap;
    Py_UCS4 *buf; /* a line's words joined, before it becomes a str */
    Py_ssize_t buf_cap;
} Lines;

static void lines_clear(Lines *lines) {
    for (Py_ssize_t i = 0; i < lines->n; i++) Py_DECREF(lines->items[i].text);
    lines->n = 0;
}

static void lines_free(Lines *lines) {
    lines_clear(lines);
    PyMem_Free(lines->items);
    PyMem_Free(lines->buf);
}

/* Add a line's item (taking the reference to text); -1 with an exception when out of memory. */
static int lines_add(Lines *lines, PyObject *text, Py_ssize_t words, Py_ssize_t indent, Py_ssize_t number) {
    if (!text) return -1;
    if (lines->n == lines->cap) {
        Py_ssize_t cap = lines->cap ? 2 * lines->cap : 64;
        Item *items = (size_t)cap <= PY_SSIZE_T_MAX / sizeof(Item) ? PyMem_Realloc(lines->items, cap * sizeof(Item))
                                                                    : NULL;
        if (!items) {
            Py_DECREF(text);
            PyErr_NoMemory();
            return -1;
        }
        lines->items = items;
        lines->cap = cap;
    }
    lines->items[lines->n++] = (Item){text, words, indent, number};
    return 0;
}

/* " ".join(visible[start:stop].split()): the words of a line that is not normalised already. */
static PyObject *joined_words(Lines *lines, int kind, const void *data, Py_ssize_t start, Py_ssize_t stop) {
    if (stop - start > lines->buf_cap) {
        Py_ssize_t cap = stop - start;
        Py_UCS4 *buf = (size_t)cap <= PY_SSIZE_T_MAX / sizeof(Py_UCS4) ? PyMem_Realloc(lines->buf,
                                                                                       cap * sizeof(Py_UCS4))
                                                                     : NULL;
        if (!buf) return PyErr_NoMemory();
        lines->buf = buf;
        lines->buf_cap = cap;
    }
    Py_UCS4 *out = lines->buf;
    Py_ssize_t k = 0;
    int pending = 0; /* a space is due before the next word's character */
    for (Py_ssize_t i = start; i < stop; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_space(c)) {
            pending = k > 0;
        } else {
            if (pending) out[k++] = ' ';
            pending = 0;
            out[k++] = c;
        }
    }
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, k); /* (the narrowest kind for its characters) */
}

/* The lines of `visible` (split at '\n') into `lines`: each line with words, its normalised text, words and
 * indentation (of the same line of `raw`: `visible` itself or the text _visible_nfc was given). With `check`, stop
 * and return 1 at the first code point that is not plain (visible must then be made by _visible_nfc); 0 when
 * done, -1 with an exception. */
static inline __attribute__((always_inline)) int scan_lines(int kind, PyObject *visible, PyObject *raw, int check,
                                                           Lines *lines) {
    const void *data = PyUnicode_DATA(visible);
    Py_ssize_t n = PyUnicode_GET_LENGTH(visible);
    int raw_kind = PyUnicode_KIND(raw);
    const void *raw_data = PyUnicode_DATA(raw);
    Py_ssize_t raw_n = PyUnicode_GET_LENGTH(raw), raw_at = 0; /* where raw's line of the same number starts */
    Py_ssize_t i = 0;
    /* what stops the run over a word's characters: whitespace, '\n' and (with check) a code point not known plain */
    const unsigned stop = T_SPACE | T_NEWLINE | (check ? T_ODD : 0);
    for (Py_ssize_t number = 0;; number++) {
        Py_ssize_t start = i, words = 0;
        int normal = 1, after_space = 1; /* (the line's start counts as a space: no space may lead) */
        for (;;) {
#if PY_LITTLE_ENDIAN
            if (kind != PyUnicode_4BYTE_KIND) { /* ASCII words and single spaces a group at a time (count_runs) */
                GROUPS(kind);
                uint64_t spaces;
                while (i + lanes <= n && plain_group(data, i, kind, ones, bit7, not_ascii, &spaces)) {
                    uint64_t before = (spaces << bits) | (after_space ? 0x80 : 0);
                    words += (Py_ssize_t)((((before & ~spaces & bit7) >> 7) * ones) >> (64 - bits));
                    if (before & spaces) normal = 0; /* a space leading or doubled */
                    after_space = (int)(spaces >> (64 - bits + 7));
                    i += lanes;
                }
            }
#endif
            Py_ssize_t run = i;
            while (i < n && !(class_of(PyUnicode_READ(kind, data, i)) & stop)) i++;
            if (i > run) { /* a word, or the rest of one */
                words += after_space;
                after_space = 0;
            }
            if (i >= n) break;
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            unsigned f = class_of(c);
            if (check && (f & T_ODD)) {
                if (!(f & T_KNOWN)) f = learn_plain(c);
                if (f & T_ODD) return 1;
            }
            if (f & T_NEWLINE) break;
            if (f & T_SPACE) {
                if (after_space || c != ' ') normal = 0; /* a space leading, doubled, or other whitespace */
                after_space = 1;
            } else { /* (a character just found plain) */
                words += after_space;
                after_space = 0;
            }
            i++;
        }
        Py_ssize_t indent = 0;
        if (raw == visible) {
            if (words)
                while (start + indent < i && (class_of(PyUnicode_READ(kind, data, start + indent)) & T_INDENT))
                    indent++;
        } else {
            if (raw_at > raw_n) goto mismatch;
            while (raw_at + indent < raw_n &&
                   (class_of(PyUnicode_READ(raw_kind, raw_data, raw_at + indent)) & T_INDENT))
                indent++;
            raw_at += indent;
            while (raw_at < raw_n && PyUnicode_READ(raw_kind, raw_data, raw_at) != '\n') raw_at++;
            raw_at++; /* (past the end: raw has no more lines) */
        }
        if (words) {
            if (after_space) normal = 0; /* a space trailing */
            PyObject *text = normal ? PyUnicode_Substring(visible, start, i)
                                    : joined_words(lines, kind, data, start, i);
            if (lines_add(lines, text, words, indent, number) < 0) return -1;
        }
        if (i >= n) break;
        i++; /* (past the '\n') */
    }
    if (raw != visible && raw_at != raw_n + 1) goto mismatch;
    return 0;
mismatch:
    PyErr_SetString(PyExc_ValueError, "segment_text: _visible_nfc changed the text's number of lines");
    return -1;
}

static int scan(PyObject *visible, PyObject *raw, int check, Lines *lines) {
    switch (PyUnicode_KIND(visible)) {
    case PyUnicode_1BYTE_KIND:
        return scan_lines(PyUnicode_1BYTE_KIND, visible, raw, check, lines);
    case PyUnicode_2BYTE_KIND:
        return scan_lines(PyUnicode_2BYTE_KIND, visible, raw, check, lines);
    default:
        return scan_lines(PyUnicode_4BYTE_KIND, visible, raw, check, lines);
    }
}

static PyObject *LIST_ITEM, *HEADING, *PARAGRAPH, *LINE;            /* the kinds */
static PyObject *BLANK_BEFORE, *BLANK_AFTER, *INDENT, *CR, *CRLF, *LF; /* the features' keys; "\r", "\r\n", "\n" */
static PyObject *FEATURES[4]; /* {"blank_before": b, "blank_after": a, "indent": 0} at 2 * b + a */

static int is_bullet(Py_UCS4 c) { /* BULLET's [•·●▪◦‣∙*\-–—] */
    switch (c) {
    case 0x2022: case 0xb7: case 0x25cf: case 0x25aa: case 0x25e6: case 0x2023: case 0x2219: case '*': case '-':
    case 0x2013: case 0x2014:
        return 1;
    default:
        return 0;
    }
}

static int ends_sentence(Py_UCS4 c) { /* segment._SENTENCE_END: .!?…:;"'”’) */
    switch (c) {
    case '.': case '!': case '?': case 0x2026: case ':': case ';': case '"': case '\'': case 0x201d: case 0x2019:
    case ')':
        return 1;
    default:
        return 0;
    }
}

/* segment._guess_kind of a block's normalised text (a borrowed kind). */
static PyObject *guess_kind(PyObject *text, Py_ssize_t words, int blank_before, int blank_after,
                            Py_ssize_t paragraph_words) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), k = 0;
    if (n == 0) return words >= paragraph_words ? PARAGRAPH : LINE; /* (never: a block has a word) */
    Py_UCS4 first = PyUnicode_READ(kind, data, 0);
    if (is_bullet(first)) {
        k = 1;
    } else { /* \d{1,3}[.)]: at most three decimal digits, then the mark (a fourth digit is no mark) */
        while (k < 3 && k < n && Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, k))) k++;
        if (k > 0 && k < n) {
            Py_UCS4 mark = PyUnicode_READ(kind, data, k);
            k = mark == '.' || mark == ')' ? k + 1 : 0;
        } else {
            k = 0;
        }
    }
    if (k > 0 && k < n && is_space(PyUnicode_READ(kind, data, k))) return LIST_ITEM; /* \s+: one is enough */
    if (words <= 12 && blank_before && blank_after && !ends_sentence(PyUnicode_READ(kind, data, n - 1)))
        return HEADING;
    return words >= paragraph_words ? PARAGRAPH : LINE;
}

/* The block of an item: block_type(text, kind, {"blank_before": ..., "blank_after": ..., "indent": ...}), the
 * features a copy of the template of its blank lines (a copy of a small dict is cheaper than three insertions). */
static PyObject *make_block(PyObject *block_type, Item *item, int blank_before, int blank_after,
                            Py_ssize_t paragraph_words) {
    PyObject *features = PyDict_Copy(FEATURES[2 * blank_before + blank_after]), *indent = NULL, *block = NULL;
    if (!features) return NULL;
    if (item->indent && (!(indent = PyLong_FromSsize_t(item->indent)) || PyDict_SetItem(features, INDENT, indent) < 0))
        goto done;
    PyObject *args[3] = {item->text, guess_kind(item->text, item->words, blank_before, blank_after, paragraph_words),
                         features};
    block = PyObject_Vectorcall(block_type, args, 3, NULL);
done:
    Py_XDECREF(indent);
    Py_DECREF(features);
    return block;
}

/* segment_text(text, block_type, visible_nfc, paragraph_words): segment.segment_text's blocks, each made by
 * block_type(text, kind, features). visible_nfc: segment._visible_nfc, called on the text (its newlines made
 * '\n') where it may change something. */
static PyObject *segment_text(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "segment_text(text, block_type, visible_nfc, paragraph_words)");
        return NULL;
    }
    PyObject *text = args[0], *block_type = args[1], *visible_nfc = args[2], *visible = NULL, *result = NULL;
    if (str_argument(text, "segment_text") < 0) return NULL;
    Py_ssize_t paragraph_words = PyLong_AsSsize_t(args[3]);
    if (paragraph_words == -1 && PyErr_Occurred()) return NULL;
    Lines lines = {NULL, 0, 0, NULL, 0};
    Py_INCREF(text);
    Py_ssize_t cr = PyUnicode_FindChar(text, '\r', 0, PyUnicode_GET_LENGTH(text), 1);
    if (cr == -2) goto done;
    if (cr >= 0) { /* text.replace("\r\n", "\n").replace("\r", "\n") */
        PyObject *once = PyUnicode_Replace(text, CRLF, LF, -1);
        Py_SETREF(text, once ? PyUnicode_Replace(once, CR, LF, -1) : NULL);
        Py_XDECREF(once);
        if (!text) goto done;
    }
    int met = scan(text, text, !PyUnicode_IS_ASCII(text), &lines);
    if (met < 0) goto done;
    if (met == 1) { /* something _visible_nfc may change: its lines for the words, the text's for the indentation */
        lines_clear(&lines);
        visible = PyObject_CallOneArg(visible_nfc, text);
        if (!visible) goto done;
        if (!PyUnicode_Check(visible)) {
            PyErr_SetString(PyExc_TypeError, "segment_text: visible_nfc must return a str");
            goto done;
        }
        if (scan(visible, text, 0, &lines) < 0) goto done;
    }
    /* every line set apart when no two lines with words are more than a line apart (segment_text's one_a_line) */
    Py_ssize_t last = lines.n - 1;
    Item *items = lines.items;
    int one_a_line = 1;
    for (Py_ssize_t i = 0; i < last && one_a_line; i++) one_a_line = items[i + 1].number <= items[i].number + 1;
    if (!(result = PyList_New(lines.n))) goto done;
    for (Py_ssize_t i = 0; i < lines.n; i++) {
        int before = one_a_line || i == 0 || items[i - 1].number < items[i].number - 1;
        int after = one_a_line || i == last || items[i + 1].number > items[i].number + 1;
        PyObject *block = make_block(block_type, &items[i], before, after, paragraph_words);
        if (!block) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, block);
    }
done:
    lines_free(&lines);
    Py_XDECREF(visible);
    Py_XDECREF(text);
    return result;
}

/* ---- the cleaner's per-line tests (clean.py, metadata.py) ------------------------------------------------ */
/* A page's lines asked one question each, in one call: the Python code loops over ~25 blocks a page, each test a
 * Python call or a regex. The filters (teaser_candidates, stamp_candidates) only rule lines out, by what the
 * Python test needs (each condition below is one its pattern implies); the lines they keep are asked of the
 * Python test itself, so its answer stays the definition. The two counts are exact. */

static Py_ssize_t content_end(int kind, const void *data, Py_ssize_t n) { /* len(text.rstrip()) */
    while (n > 0 && is_space(PyUnicode_READ(kind, data, n - 1))) n--;
    return n;
}

static Py_ssize_t content_start(int kind, const void *data, Py_ssize_t n) { /* len(text) - len(text.lstrip()) */
    Py_ssize_t i = 0;
    while (i < n && is_space(PyUnicode_READ(kind, data, i))) i++;
    return i;
}

/* The ASCII letter `lower` in either case: all re.IGNORECASE matches to any of the letters asked for here
 * (a r e d t y m o; tests/test_text_tests_core.py checks them against re). */
static inline int letter_is(Py_UCS4 c, char lower) { return c < 0x80 && (c | 0x20) == (Py_UCS4)lower; }

/* Whether clean._TEASER_SUFFIX can match: the text (right-stripped, S) ends as one of its branches must. A ')':
 * "\S\s\(\d{1,6}\)", so a digit before it; a 'd': "\d+\s+(?:min|mins|minutes?)\s+read", so whitespace and
 * "rea" before it; a decimal digit: "\d{4}-\d{2}-\d{2}" or "\d{1,2}/\d{1,2}/\d{2,4}", so '-' three code points
 * from the end or '/' three to five. (re's \d is Py_UNICODE_ISDECIMAL, \s Py_UNICODE_ISSPACE.) */
static inline int is_decimal(Py_UCS4 c) { /* Py_UNICODE_ISDECIMAL, ASCII without the call */
    return c < 0x80 ? c - '0' < 10 : Py_UNICODE_ISDECIMAL(c);
}

static int may_end_with_teaser_suffix(int kind, const void *data, Py_ssize_t n) {
    Py_ssize_t e = content_end(kind, data, n);
    if (e == 0) return 0;
    Py_UCS4 last = PyUnicode_READ(kind, data, e - 1);
    if (last == ')') return e >= 2 && is_decimal(PyUnicode_READ(kind, data, e - 2));
    if (letter_is(last, 'd'))
        return e >= 5 && letter_is(PyUnicode_READ(kind, data, e - 2), 'a') &&
               letter_is(PyUnicode_READ(kind, data, e - 3), 'e') &&
               letter_is(PyUnicode_READ(kind, data, e - 4), 'r') && is_space(PyUnicode_READ(kind, data, e - 5));
    if (!is_decimal(last)) return 0;
    if (e >= 3 && (PyUnicode_READ(kind, data, e - 3) == '-' || PyUnicode_READ(kind, data, e - 3) == '/')) return 1;
    return (e >= 4 && PyUnicode_READ(kind, data, e - 4) == '/') || (e >= 5 && PyUnicode_READ(kind, data, e - 5) == '/');
}

static inline int same_word(int kind, const void *data, Py_ssize_t a, Py_ssize_t a_len, Py_ssize_t b,
                            Py_ssize_t b_len) {
    return a_len == b_len && memcmp((const char *)data + a * kind, (const char *)data + b * kind,
                                    (size_t)(a_len * kind)) == 0;
}

/* Whether the text's first word (a..b) comes again as a whole word: what clean._is_doubled needs first (words[size]
 * == words[0] for a size of 4 or more). Its first code point is looked for (memchr in Latin-1 text, a loop over
 * the code units else), and where found the word and the whitespace around it are compared. */
static int first_word_again(int kind, const void *data, Py_ssize_t n, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t size = b - a, last = n - size; /* (a match from `last` on would not fit) */
    Py_UCS4 first = PyUnicode_READ(kind, data, a);
    for (Py_ssize_t at = b; at <= last; at++) {
        if (kind == PyUnicode_1BYTE_KIND) {
            const Py_UCS1 *found = memchr((const Py_UCS1 *)data + at, (int)first, (size_t)(last - at + 1));
            if (!found) return 0;
            at = found - (const Py_UCS1 *)data;
        } else if (kind == PyUnicode_2BYTE_KIND) {
            const Py_UCS2 *units = data;
            const uint64_t ones = 0x0001000100010001ULL, pattern = ones * first;
            for (uint64_t x; at + 3 <= last; at += 4) { /* four at a time to a group with the code unit in it */
                memcpy(&x, units + at, 8);
                x ^= pattern; /* (a lane equal to `first` is 0: a borrow into its bit 15) */
                if ((x - ones) & ~x & (ones * 0x8000)) break;
            }
            while (at <= last && units[at] != first) at++;
            if (at > last) return 0;
        } else {
            const Py_UCS4 *units = data;
            while (at <= last && units[at] != first) at++;
            if (at > last) return 0;
        }
        /* (at >= b > a: a code point before it) */
        if (is_space(PyUnicode_READ(kind, data, at - 1)) && same_word(kind, data, a, size, at, size) &&
            (at + size == n || is_space(PyUnicode_READ(kind, data, at + size))))
            return 1;
    }
    return 0;
}

/* clean._is_doubled: the first `size` words (size 4 or more, at most half of them) printed again right after, the
 * smallest such size deciding, unless its last word ends a sentence. 1, 0, or -1 (no memory). */
static int is_doubled(int kind, const void *data, Py_ssize_t n) {
    Py_ssize_t a = content_start(kind, data, n), b = a;
    while (b < n && !is_space(PyUnicode_READ(kind, data, b))) b++;
    if (a == n || !first_word_again(kind, data, n, a, b)) return 0;
    Py_ssize_t words = count_runs(kind, data, n).runs;
    if (words < 8) return 0;
    Py_ssize_t *start = PyMem_Malloc(2 * (size_t)words * sizeof(Py_ssize_t));
    if (!start) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t *len = start + words, w = 0;
    for (Py_ssize_t i = a; i < n && w < words;) {
        start[w] = i;
        while (i < n && !is_space(PyUnicode_READ(kind, data, i))) i++;
        len[w] = i - start[w];
        w++;
        while (i < n && is_space(PyUnicode_READ(kind, data, i))) i++;
    }
    words = w; /* (the same count: count_runs splits where this does) */
    int doubled = 0;
    for (Py_ssize_t size = 4; size < words / 2 + 1; size++) {
        if (!same_word(kind, data, start[0], len[0], start[size], len[size])) continue;
        Py_ssize_t k = 1;
        while (k < size && same_word(kind, data, start[k], len[k], start[size + k], len[size + k])) k++;
        if (k == size) {
            Py_UCS4 end = PyUnicode_READ(kind, data, start[size - 1] + len[size - 1] - 1);
            doubled = !(end == '.' || end == '!' || end == '?');
            break;
        }
    }
    PyMem_Free(start);
    return doubled;
}

/* Whether metadata.is_stamp_line can be true. is_date_line: at most 80 code points, with a year's four digits in a
 * row (parse_date's first test). _TIME_LINE: after whitespace, a digit, 'a' (an age: "an hour ago"), 't' or 'y'
 * ("today", "yesterday") first; last (but for whitespace) a digit, 'm' ("am"), 'o' ("ago"), 'y' or "m.". */
static int may_be_stamp_line(int kind, const void *data, Py_ssize_t n) {
    if (n <= 80) {
        int digits = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            digits = is_decimal(PyUnicode_READ(kind, data, i)) ? digits + 1 : 0;
            if (digits == 4) return 1;
        }
    }
    Py_ssize_t a = content_start(kind, data, n), e = content_end(kind, data, n);
    if (a == n) return 0;
    Py_UCS4 first = PyUnicode_READ(kind, data, a), last = PyUnicode_READ(kind, data, e - 1);
    if (!(is_decimal(first) || letter_is(first, 'a') || letter_is(first, 't') || letter_is(first, 'y')))
        return 0;
    return is_decimal(last) || letter_is(last, 'm') || letter_is(last, 'o') || letter_is(last, 'y') ||
           (last == '.' && e >= 2 && letter_is(PyUnicode_READ(kind, data, e - 2), 'm'));
}

/* The str items of a list, or NULL with a TypeError. */
static PyObject *texts_argument(PyObject *texts, const char *function) {
    if (!PyList_Check(texts)) {
        PyErr_Format(PyExc_TypeError, "%s: a list of str is needed, not %.100s", function, Py_TYPE(texts)->tp_name);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(texts); i++)
        if (str_argument(PyList_GET_ITEM(texts, i), function) < 0) return NULL;
    return texts;
}

/* The indexes of the texts `test` keeps (1), or NULL with the error (a test answering -1). */
static PyObject *indexes_where(PyObject *texts, const char *function, int (*test)(int, const void *, Py_ssize_t)) {
    if (!texts_argument(texts, function)) return NULL;
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        int kept = test(PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text));
        if (kept < 0) {
            Py_CLEAR(out);
        } else if (kept) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(out, index) < 0) Py_CLEAR(out);
            Py_XDECREF(index);
        }
    }
    return out;
}

static int may_be_teaser(int kind, const void *data, Py_ssize_t n) {
    return may_end_with_teaser_suffix(kind, data, n) ? 1 : is_doubled(kind, data, n);
}

/* teaser_candidates(texts): the indexes of the texts that may be teaser lines (clean._has_teaser_suffix or
 * clean._is_doubled). */
static PyObject *teaser_candidates(PyObject *Py_UNUSED(module), PyObject *texts) {
    return indexes_where(texts, "teaser_candidates", may_be_teaser);
}

/* stamp_candidates(texts): the indexes of the texts that may be stamp lines (metadata.is_stamp_line). */
static PyObject *stamp_candidates(PyObject *Py_UNUSED(module), PyObject *texts) {
    return indexes_where(texts, "stamp_candidates", may_be_stamp_line);
}

static inline int is_closer(Py_UCS4 c) { /* prose.CLOSERS */
    return c == '"' || c == '\'' || c == 0x201d || c == 0x2019 || c == 0xbb || c == ')' || c == ']';
}

static inline int is_sentence_mark(Py_UCS4 c) { /* prose.SENTENCE_ENDS */
    return c == '.' || c == '!' || c == '?' || c == 0x3002 || c == 0xff01 || c == 0xff1f || c == 0x2026;
}

static PyObject *FEATURES_NAME, *TEXT_NAME, *GET_NAME; /* "features", "text", "get" */

/* A truth of features.get(key) (1, 0, -1 with an error). */
static int feature_is_true(PyObject *features, PyObject *key) {
    if (PyDict_CheckExact(features)) {
        PyObject *value = PyDict_GetItemWithError(features, key);
        return value ? PyObject_IsTrue(value) : PyErr_Occurred() ? -1 : 0;
    }
    PyObject *value = PyObject_CallMethodOneArg(features, GET_NAME, key);
    int truth = value ? PyObject_IsTrue(value) : -1;
    Py_XDECREF(value);
    return truth;
}

/* Whether a text is a sentence (clean._is_sentence: prose.ends_sentence, or `any_end` words, which is_prose
 * takes for prose however it ends). */
static int is_sentence(PyObject *text, Py_ssize_t any_end) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t e = content_end(kind, data, PyUnicode_GET_LENGTH(text));
    while (e > 0 && is_closer(PyUnicode_READ(kind, data, e - 1))) e--;
    return (e > 0 && is_sentence_mark(PyUnicode_READ(kind, data, e - 1))) || words_of(text) >= any_end;
}

/* extractor_output(blocks, enough, any_end_words): clean._extractor_output's test of a text page's blocks: each
 * has a blank line before and after it (features.get("blank_before") and features.get("blank_after") are true),
 * and `enough` of their texts are sentences (is_sentence), counted until there are enough. */
static PyObject *extractor_output(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "extractor_output(blocks, enough, any_end_words) takes 3 arguments");
        return NULL;
    }
    PyObject *blocks = args[0];
    Py_ssize_t enough = PyLong_AsSsize_t(args[1]), any_end = PyLong_AsSsize_t(args[2]);
    if ((enough == -1 && PyErr_Occurred()) || (any_end == -1 && PyErr_Occurred())) return NULL;
    if (!PyList_Check(blocks)) {
        PyErr_Format(PyExc_TypeError, "extractor_output: a list of blocks is needed, not %.100s",
                     Py_TYPE(blocks)->tp_name);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(blocks); i++) {
        PyObject *features = PyObject_GetAttr(PyList_GET_ITEM(blocks, i), FEATURES_NAME);
        if (!features) return NULL;
        int apart = feature_is_true(features, BLANK_BEFORE);
        if (apart > 0) apart = feature_is_true(features, BLANK_AFTER);
        Py_DECREF(features);
        if (apart < 0) return NULL;
        if (!apart) Py_RETURN_FALSE;
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(blocks) && count < enough; i++) {
        PyObject *text = PyObject_GetAttr(PyList_GET_ITEM(blocks, i), TEXT_NAME);
        if (!text) return NULL;
        if (str_argument(text, "extractor_output") < 0) {
            Py_DECREF(text);
            return NULL;
        }
        count += is_sentence(text, any_end);
        Py_DECREF(text);
    }
    return PyBool_FromLong(count >= enough);
}

/* ending_with(texts, marks): the indexes of the texts whose last code point but for whitespace is one of marks'
 * (text.rstrip().endswith(tuple(marks))). */
static PyObject *ending_with(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "ending_with(texts, marks) takes 2 arguments");
        return NULL;
    }
    PyObject *texts = texts_argument(args[0], "ending_with"), *marks = args[1];
    if (!texts || str_argument(marks, "ending_with") < 0) return NULL;
    int marks_kind = PyUnicode_KIND(marks);
    const void *marks_data = PyUnicode_DATA(marks);
    Py_ssize_t marks_n = PyUnicode_GET_LENGTH(marks);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t e = content_end(kind, data, PyUnicode_GET_LENGTH(text));
        if (e == 0) continue;
        Py_UCS4 last = PyUnicode_READ(kind, data, e - 1);
        for (Py_ssize_t m = 0; m < marks_n; m++) {
            if (PyUnicode_READ(marks_kind, marks_data, m) != last) continue;
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(out, index) < 0) Py_CLEAR(out);
            Py_XDECREF(index);
            break;
        }
    }
    return out;
}

/* The float of a list item, or -1 with an error set (PyFloat_AsDouble: a float, or what float() takes). */
static int float_item(PyObject *list, Py_ssize_t i, double *value) {
    *value = PyFloat_AsDouble(PyList_GET_ITEM(list, i));
    return *value == -1.0 && PyErr_Occurred() ? -1 : 0;
}

static int float_list(PyObject *arg, const char *function) {
    if (PyList_Check(arg)) return 0;
    PyErr_Format(PyExc_TypeError, "%s: a list of float is needed, not %.100s", function, Py_TYPE(arg)->tp_name);
    return -1;
}

/* best_stretch(ps, words, removed, cut): (lo, hi) of clean.Cleaner._best_stretch, hi = -1 for none: the run of
 * lines with the highest sum of (cut - p) * sqrt(words) above 0 (Kadane's: a run restarts where its sum is 0 or
 * less), p = 1 for a line in `removed` (an iterable of indexes), the lines those of the shorter list. The same
 * double operations in the same order as the Python code; each product is stored before it is added, so that no
 * compiler fuses the two into one multiply-add (which rounds once, not twice). */
static PyObject *best_stretch(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "best_stretch(ps, words, removed, cut) takes 4 arguments");
        return NULL;
    }
    PyObject *ps = args[0], *words = args[1];
    double cut = PyFloat_AsDouble(args[3]);
    if (float_list(ps, "best_stretch") < 0 || (cut == -1.0 && PyErr_Occurred())) return NULL;
    if (!PyList_Check(words)) {
        PyErr_Format(PyExc_TypeError, "best_stretch: a list of int is needed, not %.100s", Py_TYPE(words)->tp_name);
        return NULL;
    }
    Py_ssize_t n = Py_MIN(PyList_GET_SIZE(ps), PyList_GET_SIZE(words));
    char *gone = PyMem_Calloc((size_t)n + 1, 1);
    PyObject *removed = gone ? PyObject_GetIter(args[2]) : PyErr_NoMemory(), *item;
    if (!removed) {
        PyMem_Free(gone);
        return NULL;
    }
    while ((item = PyIter_Next(removed))) {
        Py_ssize_t index = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (index == -1 && PyErr_Occurred()) break;
        if (index >= 0 && index < n) gone[index] = 1;
    }
    Py_DECREF(removed);
    double best = 0.0, run = 0.0, p;
    Py_ssize_t lo = 0, hi = -1, start = 0;
    for (Py_ssize_t i = 0; i < n && !PyErr_Occurred(); i++) {
        Py_ssize_t count = PyLong_AsSsize_t(PyList_GET_ITEM(words, i));
        if ((count == -1 && PyErr_Occurred()) || (!gone[i] && float_item(ps, i, &p) < 0)) break;
        if (gone[i]) p = 1.0;
        if (run <= 0.0) {
            run = 0.0;
            start = i;
        }
        volatile double step = (cut - p) * sqrt((double)count);
        run += step;
        if (run > best) {
            best = run;
            lo = start;
            hi = i;
        }
    }
    PyMem_Free(gone);
    return PyErr_Occurred() ? NULL : Py_BuildValue("(nn)", lo, hi);
}

/* not_below(values, threshold): the indexes of the values that are not below threshold (not v < threshold: a
 * NaN too, as Python compares). */
static PyObject *not_below(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "not_below(values, threshold) takes 2 arguments");
        return NULL;
    }
    PyObject *values = args[0];
    double threshold = PyFloat_AsDouble(args[1]), value;
    if (float_list(values, "not_below") < 0 || (threshold == -1.0 && PyErr_Occurred())) return NULL;
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(values); i++) {
        if (float_item(values, i, &value) < 0) {
            Py_CLEAR(out);
        } else if (!(value < threshold)) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyList_Append(out, index) < 0) Py_CLEAR(out);
            Py_XDECREF(index);
        }
    }
    return out;
}

static inline int is_ascii_word(Py_UCS4 c) { return (c | 0x20) - 'a' < 26 || c - '0' < 10 || c == '_'; }

/* Whether an ASCII text's metadata._norm is the key: its runs of word characters (re's \w: [A-Za-z0-9_] in
 * ASCII), lowercased, joined by single spaces. */
static int ascii_norm_is(const Py_UCS1 *text, Py_ssize_t n, PyObject *key) {
    int key_kind = PyUnicode_KIND(key);
    const void *key_data = PyUnicode_DATA(key);
    Py_ssize_t key_n = PyUnicode_GET_LENGTH(key), k = 0;
    for (Py_ssize_t i = 0; i < n;) {
        while (i < n && !is_ascii_word(text[i])) i++;
        if (i == n) break;
        if (k > 0 && (k >= key_n || PyUnicode_READ(key_kind, key_data, k++) != ' ')) return 0;
        for (; i < n && is_ascii_word(text[i]); i++) {
            Py_UCS4 c = text[i] - 'A' < 26 ? text[i] | 0x20 : text[i];
            if (k >= key_n || PyUnicode_READ(key_kind, key_data, k++) != c) return 0;
        }
    }
    return k == key_n;
}

/* norm_candidates(texts, key): the indexes of the texts whose metadata._norm may be key. An ASCII text's _norm is
 * made here and compared; another text is ruled out when it has more word characters (re's \w:
 * Py_UNICODE_ISALNUM or '_') than key has characters: every \w character lowercases to at least one
 * (tests/test_text_tests_core.py checks each code point), so its _norm would be longer. */
static PyObject *norm_candidates(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "norm_candidates(texts, key) takes 2 arguments");
        return NULL;
    }
    PyObject *texts = texts_argument(args[0], "norm_candidates"), *key = args[1];
    if (!texts || str_argument(key, "norm_candidates") < 0) return NULL;
    Py_ssize_t most = PyUnicode_GET_LENGTH(key);
    PyObject *out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
        if (PyUnicode_IS_ASCII(text)) {
            if (!ascii_norm_is(PyUnicode_1BYTE_DATA(text), n, key)) continue;
        } else {
            int kind = PyUnicode_KIND(text);
            const void *data = PyUnicode_DATA(text);
            for (Py_ssize_t k = 0; k < n && count <= most && count + (n - k) > most; k++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, k);
                count += c < 0x80 ? is_ascii_word(c) : Py_UNICODE_ISALNUM(c) != 0;
            }
            if (count > most) continue;
        }
        PyObject *index = PyLong_FromSsize_t(i);
        if (!index || PyList_Append(out, index) < 0) Py_CLEAR(out);
        Py_XDECREF(index);
    }
    return out;
}

/* ---- the module ------------------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"segment_text", (PyCFunction)(void (*)(void))segment_text, METH_FASTCALL,
     "segment_text(text, block_type, visible_nfc, paragraph_words) -> list: segment.segment_text's blocks, each "
     "block_type(text, kind, features)."},
    {"word_count", word_count, METH_O, "word_count(text) -> int: prose.word_count (CJK rule included)."},
    {"split_count", split_count, METH_O, "split_count(text) -> int: len(text.split()), no word made."},
    {"teaser_candidates", teaser_candidates, METH_O,
     "teaser_candidates(texts) -> list: the indexes of the texts that may be teaser lines (see clean._teaser_lines)."},
    {"stamp_candidates", stamp_candidates, METH_O,
     "stamp_candidates(texts) -> list: the indexes of the texts that may be stamp lines (metadata.stamp_lines)."},
    {"ending_with", (PyCFunction)(void (*)(void))ending_with, METH_FASTCALL,
     "ending_with(texts, marks) -> list: the indexes of the texts whose last non-whitespace code point is a mark."},
    {"best_stretch", (PyCFunction)(void (*)(void))best_stretch, METH_FASTCALL,
     "best_stretch(ps, words, removed, cut) -> (lo, hi): clean.Cleaner._best_stretch's run of lines."},
    {"not_below", (PyCFunction)(void (*)(void))not_below, METH_FASTCALL,
     "not_below(values, threshold) -> list: the indexes of the floats not below threshold."},
    {"norm_candidates", (PyCFunction)(void (*)(void))norm_candidates, METH_FASTCALL,
     "norm_candidates(texts, key) -> list: the indexes of the texts whose metadata._norm may be key."},
    {"extractor_output", (PyCFunction)(void (*)(void))extractor_output, METH_FASTCALL,
     "extractor_output(blocks, enough, any_end_words) -> bool: clean._extractor_output's test of the blocks."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_text_core",
                                    "Text-mode segmentation and word counts, compiled (see cleaner/segment.py and "
                                    "cleaner/prose.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__text_core(void) {
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        uint8_t f = Py_UNICODE_ISSPACE(c) ? T_SPACE : 0;
        if (c == ' ' || c == '\t' || c == 0xa0) f |= T_INDENT;
        if (c == '\n') f |= T_NEWLINE;
        f |= c < 0x80 ? T_KNOWN : T_ODD; /* (ASCII is plain: NFC, combining class 0, nothing invisible) */
        BMP[c] = f;
    }
    PyObject *unicodedata = PyImport_ImportModule("unicodedata");
    if (unicodedata) {
        NORMALIZE = PyObject_GetAttrString(unicodedata, "normalize");
        COMBINING = PyObject_GetAttrString(unicodedata, "combining");
        Py_DECREF(unicodedata);
    }
    PyErr_Clear(); /* (without unicodedata no character is plain beyond ASCII: _visible_nfc decides) */
    if (!(NFC_NAME = PyUnicode_InternFromString("NFC")) || !(LIST_ITEM = PyUnicode_InternFromString("list_item")) ||
        !(HEADING = PyUnicode_InternFromString("heading")) || !(PARAGRAPH = PyUnicode_InternFromString("paragraph")) ||
        !(LINE = PyUnicode_InternFromString("line")) ||
        !(BLANK_BEFORE = PyUnicode_InternFromString("blank_before")) ||
        !(BLANK_AFTER = PyUnicode_InternFromString("blank_after")) ||
        !(INDENT = PyUnicode_InternFromString("indent")) ||
        !(FEATURES_NAME = PyUnicode_InternFromString("features")) || !(TEXT_NAME = PyUnicode_InternFromString("text")) ||
        !(GET_NAME = PyUnicode_InternFromString("get")) || !(CR = PyUnicode_FromString("\r")) ||
        !(CRLF = PyUnicode_FromString("\r\n")) || !(LF = PyUnicode_FromString("\n")))
        return NULL;
    PyObject *zero = PyLong_FromLong(0);
    if (!zero) return NULL;
    for (int k = 0; k < 4; k++) {
        if (!(FEATURES[k] = PyDict_New()) ||
            PyDict_SetItem(FEATURES[k], BLANK_BEFORE, k & 2 ? Py_True : Py_False) < 0 ||
            PyDict_SetItem(FEATURES[k], BLANK_AFTER, k & 1 ? Py_True : Py_False) < 0 ||
            PyDict_SetItem(FEATURES[k], INDENT, zero) < 0) {
            Py_DECREF(zero);
            return NULL;
        }
    }
    Py_DECREF(zero);
    return PyModule_Create(&module);
}
