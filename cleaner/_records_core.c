/* The output records' JSON, compiled (cleaner.write.dumps).
 *
 * Why: every record of a batch is written as json.dumps(record, ensure_ascii=False, separators=(",", ":")), and
 * CPython's encoder reads every character of a news text through a kind switch to escape it, then joins the pieces
 * (0.27M instructions a news document). Here a first pass checks that every object is one this file writes and
 * finds the widest character of the result (from the strings' kinds, not their characters); the second writes the
 * result straight into a str of that kind, each string's runs that need no escape found 16 or 8 bytes at a time
 * and copied whole.
 *
 * json.dumps stays the definition (and the fallback): dumps(obj) is its str character for character, or None when
 * obj holds anything not written here, and then cleaner.write.dumps calls json.dumps itself, which gives the result
 * or raises its own error (TypeError, circular references, RecursionError, an int too long to print). What this
 * file follows of json's C encoder (Modules/_json.c) with ensure_ascii=False and allow_nan=True:
 * - None, True, False: null, true, false.
 * - str and its subclasses: the str's own characters between quotes; '"' and '\\' and \b \f \n \r \t escaped by a
 *   backslash, the other code points below 0x20 as \u00xx (lowercase hex); everything else as it is (DEL,
 *   non-ASCII, lone surrogates).
 * - int and its subclasses but bool: int.__repr__ of the value (json calls PyLong_Type.tp_repr, not the subclass's).
 * - float and its subclasses (numpy.float64): float.__repr__ of the value; NaN, Infinity, -Infinity.
 * - dict (exact type, str keys) in its order as {"key":value,...}; list and tuple (exact types) as [a,b,...].
 *   Anything else (other key types, dict, list or tuple subclasses, other objects) is not written here.
 * - Nesting deeper than MAX_DEPTH is not written here either: json.dumps decides (a result, RecursionError, or,
 *   for a structure that contains itself, ValueError), and this file's C stack stays small.
 * No Python code runs between the two passes (no object is made but strs, which the garbage collector does not
 * track), so the second pass sees what the first checked.
 *
 * Built by tools/build_native.py (a hatchling build hook) with the system C compiler; the Python C API only. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_DEPTH 200

/* ---- first pass: can it be written here, of what kind, about how long --------------------------------------- */

typedef struct {
    Py_ssize_t length; /* a guess at the result's length: exact for strings without escapes, 24 a number */
    Py_UCS4 maxchar;   /* the widest PyUnicode_MAX_CHAR_VALUE of the strings (127 for none: the result is ASCII) */
} Measure;

static inline int measure_str(PyObject *s, Measure *m) {
#if PY_VERSION_HEX < 0x030C0000 /* (a str made by the legacy API is laid out on first use; from 3.12 every str is) */
    if (PyUnicode_READY(s) < 0) return -1;
#endif
    Py_UCS4 top = PyUnicode_MAX_CHAR_VALUE(s);
    if (top > m->maxchar) m->maxchar = top;
    m->length += PyUnicode_GET_LENGTH(s) + 2;
    return 0;
}

/* 0: obj can be written here (m updated); -1: not (an exception may be set: the caller clears it). */
static int measure(PyObject *obj, int depth, Measure *m) {
    PyTypeObject *type = Py_TYPE(obj);
    if (type == &PyUnicode_Type) return measure_str(obj, m);
    if (type == &PyLong_Type || type == &PyFloat_Type || obj == Py_None || obj == Py_True || obj == Py_False) {
        m->length += 24;
        return 0;
    }
    if (type == &PyDict_Type) {
        if (depth >= MAX_DEPTH) return -1;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        m->length += 2;
        while (PyDict_Next(obj, &pos, &key, &value)) {
            if (!PyUnicode_Check(key) || measure_str(key, m) < 0 || measure(value, depth + 1, m) < 0) return -1;
            m->length += 2;
        }
        return 0;
    }
    if (type == &PyList_Type || type == &PyTuple_Type) {
        if (depth >= MAX_DEPTH) return -1;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
        PyObject **items = PySequence_Fast_ITEMS(obj);
        m->length += 2 + n;
        for (Py_ssize_t i = 0; i < n; i++)
            if (measure(items[i], depth + 1, m) < 0) return -1;
        return 0;
    }
    if (PyUnicode_Check(obj)) return measure_str(obj, m);
    if (PyLong_Check(obj) || PyFloat_Check(obj)) { /* (bool is caught above: True and False are its only objects) */
        m->length += 24;
        return 0;
    }
    return -1;
}

/* ---- second pass: the writer --------------------------------------------------------------------------------- */

typedef struct {
    PyObject *str;  /* the result, PyUnicode_New(cap, maxchar), cut to pos at the end */
    void *data;
    int kind;       /* the result's kind, fixed by the first pass */
    Py_ssize_t pos; /* characters written */
    Py_ssize_t cap; /* characters it has room for */
} Writer;

static int grow(Writer *w, Py_ssize_t need) {
    Py_ssize_t cap = w->cap;
    while (cap - w->pos < need) {
        if (cap > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        cap *= 2;
    }
    if (PyUnicode_Resize(&w->str, cap) < 0) return -1; /* (on failure w->str is still ours, unchanged) */
    w->data = PyUnicode_DATA(w->str);
    w->cap = cap;
    return 0;
}

/* room for `need` more characters */
static inline int reserve(Writer *w, Py_ssize_t need) { return w->cap - w->pos >= need ? 0 : grow(w, need); }

/* one ASCII character, room reserved */
static inline void put(Writer *w, char c) {
    switch (w->kind) {
    case PyUnicode_1BYTE_KIND: ((Py_UCS1 *)w->data)[w->pos++] = (Py_UCS1)c; break;
    case PyUnicode_2BYTE_KIND: ((Py_UCS2 *)w->data)[w->pos++] = (Py_UCS2)c; break;
    default: ((Py_UCS4 *)w->data)[w->pos++] = (Py_UCS4)c; break;
    }
}

static inline int put1(Writer *w, char c) {
    if (reserve(w, 1) < 0) return -1;
    put(w, c);
    return 0;
}

static int put_ascii(Writer *w, const char *s, Py_ssize_t n) {
    if (reserve(w, n) < 0) return -1;
    for (Py_ssize_t i = 0; i < n; i++) put(w, s[i]);
    return 0;
}

/* ---- strings ------------------------------------------------------------------------------------------------- */

#define ONES8 UINT64_C(0x0101010101010101)
#define HIGH8 UINT64_C(0x8080808080808080)
#define ONES16 UINT64_C(0x0001000100010001)
#define HIGH16 UINT64_C(0x8000800080008000)

/* Whether one of the 8 bytes of x is below 0x20, '"' or '\\' (special16: one of its 4 UCS-2 code units). A lane
 * below 0x20 borrows into its top bit when 0x20 is subtracted, a lane equal to '"' or '\\' is 0 after the xor and
 * borrows when 1 is subtracted; a lane that had its top bit set is none of them, and ~x leaves it out. A borrow out
 * of a lane can wrongly mark the lanes above it, but only when that lane was marked itself: the answer, any or
 * none, is exact. */
static inline uint64_t special8(uint64_t x) {
    uint64_t q = x ^ (ONES8 * '"'), b = x ^ (ONES8 * '\\');
    return ((x - ONES8 * 0x20) | (q - ONES8) | (b - ONES8)) & ~x & HIGH8;
}

static inline uint64_t special16(uint64_t x) {
    uint64_t q = x ^ (ONES16 * '"'), b = x ^ (ONES16 * '\\');
    return ((x - ONES16 * 0x20) | (q - ONES16) | (b - ONES16)) & ~x & HIGH16;
}

static inline int is_special(Py_UCS4 c) { return c < 0x20 || c == '"' || c == '\\'; }

/* The index of the first code point at or after i (< n) that json escapes, or n. Strings of 1 and 2 bytes a code
 * point are read 16 bytes at a time with SSE2 (every x86-64 has it: the index from the compare's bit mask),
 * elsewhere 8 bytes at a time in a uint64_t (special8, special16; then the 8 bytes one by one). */
static Py_ssize_t next_special(int kind, const void *data, Py_ssize_t i, Py_ssize_t n) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *s = data;
#ifdef __SSE2__
        const __m128i below = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        for (; i + 16 <= n; i += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i control = _mm_cmpeq_epi8(_mm_subs_epu8(x, below), _mm_setzero_si128()); /* (x <= 0x1f) */
            __m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
            int mask = _mm_movemask_epi8(hit);
            if (mask) return i + __builtin_ctz((unsigned)mask);
        }
#else
        for (; i + 8 <= n; i += 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (special8(x)) break;
        }
#endif
        for (; i < n; i++)
            if (is_special(s[i])) return i;
        return n;
    }
    if (kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *s = data;
#ifdef __SSE2__
        const __m128i below = _mm_set1_epi16(0x1f), quote = _mm_set1_epi16('"'), backslash = _mm_set1_epi16('\\');
        for (; i + 8 <= n; i += 8) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i control = _mm_cmpeq_epi16(_mm_subs_epu16(x, below), _mm_setzero_si128());
            __m128i hit = _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi16(x, quote), _mm_cmpeq_epi16(x, backslash)));
            int mask = _mm_movemask_epi8(hit); /* (two bits a code unit) */
            if (mask) return i + (__builtin_ctz((unsigned)mask) >> 1);
        }
#else
        for (; i + 4 <= n; i += 4) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (special16(x)) break;
        }
#endif
        for (; i < n; i++)
            if (is_special(s[i])) return i;
        return n;
    }
    const Py_UCS4 *s = data;
    for (; i < n; i++)
        if (is_special(s[i])) return i;
    return n;
}

/* Code points [i, j) of a str of kind `kind` into the writer (room reserved; the writer's kind is at least as wide). */
static void copy_run(Writer *w, int kind, const void *data, Py_ssize_t i, Py_ssize_t j) {
    Py_ssize_t n = j - i;
    if (n <= 0) return;
    if (kind == w->kind) {
        memcpy((char *)w->data + w->pos * kind, (const char *)data + i * kind, (size_t)(n * kind));
    } else if (kind == PyUnicode_1BYTE_KIND && w->kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS1 *src = (const Py_UCS1 *)data + i;
        Py_UCS2 *dst = (Py_UCS2 *)w->data + w->pos;
        for (Py_ssize_t k = 0; k < n; k++) dst[k] = src[k];
    } else if (kind == PyUnicode_1BYTE_KIND) {
        const Py_UCS1 *src = (const Py_UCS1 *)data + i;
        Py_UCS4 *dst = (Py_UCS4 *)w->data + w->pos;
        for (Py_ssize_t k = 0; k < n; k++) dst[k] = src[k];
    } else {
        const Py_UCS2 *src = (const Py_UCS2 *)data + i;
        Py_UCS4 *dst = (Py_UCS4 *)w->data + w->pos;
        for (Py_ssize_t k = 0; k < n; k++) dst[k] = src[k];
    }
    w->pos += n;
}

static const char HEX[] = "0123456789abcdef";

/* A str between quotes, escaped as json's ensure_ascii=False encoder escapes it. */
static int write_str(Writer *w, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    if (reserve(w, n + 2) < 0) return -1;
    put(w, '"');
    Py_ssize_t i = 0;
    for (;;) {
        Py_ssize_t j = next_special(kind, data, i, n);
        copy_run(w, kind, data, i, j);
        if (j == n) break;
        /* the escape (at most 6), the rest of the string and its closing quote */
        if (reserve(w, 6 + (n - j - 1) + 1) < 0) return -1;
        Py_UCS4 c = PyUnicode_READ(kind, data, j);
        put(w, '\\');
        switch (c) {
        case '"': put(w, '"'); break;
        case '\\': put(w, '\\'); break;
        case '\b': put(w, 'b'); break;
        case '\f': put(w, 'f'); break;
        case '\n': put(w, 'n'); break;
        case '\r': put(w, 'r'); break;
        case '\t': put(w, 't'); break;
        default:
            put(w, 'u');
            put(w, '0');
            put(w, '0');
            put(w, HEX[(c >> 4) & 0xf]);
            put(w, HEX[c & 0xf]);
        }
        i = j + 1;
    }
    put(w, '"');
    return 0;
}

/* ---- numbers ------------------------------------------------------------------------------------------------- */

/* int.__repr__ of an int (or of an int subclass's value): the digits here when it fits in a long long, else
 * int.__repr__ itself (which raises ValueError past sys.get_int_max_str_digits(), as json.dumps does). */
static int write_int(Writer *w, PyObject *obj) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow) {
        PyObject *repr = PyLong_Type.tp_repr(obj);
        if (!repr) return -1;
        Py_ssize_t n;
        const char *digits = PyUnicode_AsUTF8AndSize(repr, &n);
        int r = digits ? put_ascii(w, digits, n) : -1;
        Py_DECREF(repr);
        return r;
    }
    if (v == -1 && PyErr_Occurred()) return -1;
    char buf[24];
    char *end = buf + sizeof buf, *p = end;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--p = '-';
    return put_ascii(w, p, end - p);
}

/* float.__repr__ of the value (PyOS_double_to_string with 'r' and Py_DTSF_ADD_DOT_0, as float_repr calls it), or
 * json's NaN, Infinity, -Infinity. */
static int write_float(Writer *w, PyObject *obj) {
    double x = PyFloat_AS_DOUBLE(obj);
    if (!isfinite(x)) {
        if (isnan(x)) return put_ascii(w, "NaN", 3);
        return x > 0 ? put_ascii(w, "Infinity", 8) : put_ascii(w, "-Infinity", 9);
    }
    char *repr = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!repr) return -1;
    int r = put_ascii(w, repr, (Py_ssize_t)strlen(repr));
    PyMem_Free(repr);
    return r;
}

/* ---- values -------------------------------------------------------------------------------------------------- */

static int write_obj(Writer *w, PyObject *obj) {
    PyTypeObject *type = Py_TYPE(obj);
    if (type == &PyUnicode_Type) return write_str(w, obj);
    if (type == &PyDict_Type) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        if (put1(w, '{') < 0) return -1;
        int first = 1;
        while (PyDict_Next(obj, &pos, &key, &value)) {
            if (!first && put1(w, ',') < 0) return -1;
            first = 0;
            if (!PyUnicode_Check(key) || write_str(w, key) < 0 || put1(w, ':') < 0 || write_obj(w, value) < 0)
                return -1;
        }
        return put1(w, '}');
    }
    if (type == &PyList_Type || type == &PyTuple_Type) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
        if (put1(w, '[') < 0) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i && put1(w, ',') < 0) return -1;
            if (write_obj(w, PySequence_Fast_ITEMS(obj)[i]) < 0) return -1;
        }
        return put1(w, ']');
    }
    if (obj == Py_None) return put_ascii(w, "null", 4);
    if (obj == Py_True) return put_ascii(w, "true", 4);
    if (obj == Py_False) return put_ascii(w, "false", 5);
    if (PyLong_Check(obj)) return write_int(w, obj);
    if (PyFloat_Check(obj)) return write_float(w, obj);
    if (PyUnicode_Check(obj)) return write_str(w, obj);
    return -1;
}

/* dumps(obj) -> str or None */
static PyObject *dumps(PyObject *self, PyObject *obj) {
    Measure m = {0, 127};
    if (measure(obj, 0, &m) < 0) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Writer w;
    w.cap = m.length + m.length / 16 + 16;
    w.str = PyUnicode_New(w.cap, m.maxchar);
    if (!w.str) return NULL;
    w.data = PyUnicode_DATA(w.str);
    w.kind = PyUnicode_KIND(w.str);
    w.pos = 0;
    if (write_obj(&w, obj) < 0 || (w.pos < w.cap && PyUnicode_Resize(&w.str, w.pos) < 0)) {
        /* (an int too long to print, or memory: json.dumps gives its own error) */
        Py_DECREF(w.str);
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    return w.str;
}

/* ---- the module ---------------------------------------------------------------------------------------------- */

static PyMethodDef methods[] = {
    {"dumps", dumps, METH_O,
     "dumps(obj) -> str or None: json.dumps(obj, ensure_ascii=False, separators=(',', ':')), or None when obj holds "
     "anything not written here (json.dumps then decides)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_records_core",
                                    "The output records' JSON, compiled (see cleaner/write.py).", -1, methods};

PyMODINIT_FUNC PyInit__records_core(void) { return PyModule_Create(&module); }
