package postgres

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// PostgreSQL text and jsonb hold neither NUL characters nor invalid UTF-8,
// which SQLite stores as given, and a btree index entry is limited to
// about 2.7 kB. Every string this package writes or compares goes through
// text or column, so a stored value, a filter value and a cursor key are
// transformed alike and compare as they would in SQLite (up to the
// differences said here).

// maxColumn caps the indexed columns (package names, PURLs, repositories,
// vulnerability ids, digests): values are compared and sorted on their
// first maxColumn bytes. Finding ids are not cut (they are keys).
const maxColumn = 1024

// text replaces NUL characters, and each byte of invalid UTF-8 as
// encoding/json does, with U+FFFD.
func text(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// column is text cut to maxColumn bytes on a rune boundary.
func column(s string) string {
	s = text(s)
	if len(s) <= maxColumn {
		return s
	}
	n := maxColumn
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// jsonDoc marshals v for a jsonb column: as encoding/json writes it, with
// the escape \u0000 (which jsonb refuses) written \ufffd.
func jsonDoc(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if !bytes.Contains(b, []byte(`\u0000`)) {
		return string(b), nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		// An escape: copy it whole, so that `\\u0000` (a backslash, then
		// "u0000") is left alone.
		if b[i+1] == 'u' && i+6 <= len(b) && string(b[i+2:i+6]) == "0000" {
			out = append(out, `\ufffd`...)
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return string(out), nil
}
