package version

// APKVersion is an Alpine package version,
// digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}.
type APKVersion struct{ s string }

// ParseAPK accepts what apk-tools compares (src/version.c,
// apk_version_compare): any string starting with a digit. A version that
// breaks the grammar further on, like "1.9.5p2-r0" or "4.8.0.-r1" (both in
// Alpine's secdb), is compared as apk does, up to the first bad token,
// which sorts below the end of a version and above a pre-release suffix;
// Valid reports whether the whole string follows the grammar.
func ParseAPK(s string) (APKVersion, error) {
	if s == "" {
		return APKVersion{}, parseErr(APK, s, "version string is empty")
	}
	if !isDigit(s[0]) {
		return APKVersion{}, parseErr(APK, s, "does not start with a digit")
	}
	return APKVersion{s}, nil
}

// Valid reports whether the version follows apk's grammar in full, as
// apk_version_validate checks.
func (a APKVersion) Valid() bool {
	t := apkTokenizer{s: a.s}
	for t.first(); t.tok < apkEnd; t.next() {
	}
	return t.tok == apkEnd
}

// String returns the version as parsed.
func (a APKVersion) String() string { return a.s }

// Compare orders a and b as apk_version_compare does.
func (a APKVersion) Compare(b APKVersion) int { return apkCompare(a.s, b.s) }

// apk token types, in apk-tools' order: the order matters when two versions
// differ in the kind of their next token.
const (
	apkInitialDigit = iota
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkCommitHash
	apkRevisionNo
	apkEnd
	apkInvalid
)

// apk suffixes; those before apkSuffixNone mark pre-releases.
const (
	apkSuffixInvalid = iota
	apkSuffixAlpha
	apkSuffixBeta
	apkSuffixPre
	apkSuffixRC
	apkSuffixNone
	apkSuffixCVS
	apkSuffixSVN
	apkSuffixGit
	apkSuffixHg
	apkSuffixP
)

var apkSuffixes = map[string]int{
	"alpha": apkSuffixAlpha, "beta": apkSuffixBeta, "pre": apkSuffixPre, "rc": apkSuffixRC,
	"cvs": apkSuffixCVS, "svn": apkSuffixSVN, "git": apkSuffixGit, "hg": apkSuffixHg, "p": apkSuffixP,
}

// apkTokenizer walks a version the way apk-tools' token_first/token_next do.
type apkTokenizer struct {
	s      string
	pos    int
	tok    int
	suffix int
	number uint64 // digits as apk_blob_pull_uint reads them (wrapping)
	value  string
}

func (t *apkTokenizer) digits() {
	start := t.pos
	var n uint64
	for t.pos < len(t.s) && isDigit(t.s[t.pos]) {
		n = n*10 + uint64(t.s[t.pos]-'0')
		t.pos++
	}
	t.number, t.value = n, t.s[start:t.pos]
	if t.value == "" {
		t.tok = apkInvalid
	}
}

func (t *apkTokenizer) first() {
	t.tok = apkInitialDigit
	t.digits()
}

// span advances over bytes of the class; like apk_blob_spn it also takes
// every byte >= 0x80.
func (t *apkTokenizer) span(class func(byte) bool) string {
	start := t.pos
	for t.pos < len(t.s) && (t.s[t.pos] >= 0x80 || class(t.s[t.pos])) {
		t.pos++
	}
	return t.s[start:t.pos]
}

func (t *apkTokenizer) next() {
	if t.pos == len(t.s) {
		t.tok = apkEnd
		return
	}
	c := t.s[t.pos]
	switch {
	case 'a' <= c && c <= 'z':
		if t.tok > apkDigit {
			t.tok = apkInvalid
			return
		}
		t.value = t.s[t.pos : t.pos+1]
		t.tok = apkLetter
		t.pos++
	case c == '.' || isDigit(c):
		if c == '.' {
			if t.tok > apkDigit {
				t.tok = apkInvalid
				return
			}
			t.pos++
		}
		switch t.tok {
		case apkInitialDigit, apkDigit:
			t.tok = apkDigit
		case apkSuffix:
			t.tok = apkSuffixNo
		default:
			t.tok = apkInvalid
			return
		}
		t.digits()
	case c == '_':
		if t.tok > apkSuffixNo {
			t.tok = apkInvalid
			return
		}
		t.pos++
		t.value = t.span(func(c byte) bool { return 'a' <= c && c <= 'z' })
		t.suffix = apkSuffixes[t.value]
		if t.suffix == apkSuffixInvalid {
			t.tok = apkInvalid
			return
		}
		t.tok = apkSuffix
	case c == '~':
		if t.tok >= apkCommitHash {
			t.tok = apkInvalid
			return
		}
		t.pos++
		t.value = t.span(func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' })
		if t.value == "" {
			t.tok = apkInvalid
			return
		}
		t.tok = apkCommitHash
	case c == '-':
		if t.tok >= apkRevisionNo || t.pos+1 >= len(t.s) || t.s[t.pos+1] != 'r' {
			t.tok = apkInvalid
			return
		}
		t.pos += 2
		t.tok = apkRevisionNo
		t.digits()
	default:
		t.tok = apkInvalid
	}
}

// apkTokenCmp is apk-tools' token_cmp for two tokens of the same type.
func apkTokenCmp(a, b *apkTokenizer) int {
	var x, y uint64
	switch a.tok {
	case apkDigit:
		if a.value[0] == '0' || b.value[0] == '0' {
			// A leading zero makes the component a string (Gentoo's rule).
			return cmpString(a.value, b.value)
		}
		x, y = a.number, b.number
	case apkInitialDigit, apkSuffixNo, apkRevisionNo:
		x, y = a.number, b.number
	case apkLetter:
		x, y = uint64(a.value[0]), uint64(b.value[0])
	case apkSuffix:
		x, y = uint64(a.suffix), uint64(b.suffix)
	default:
		return cmpString(a.value, b.value)
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// apkCompare is apk_version_compare.
func apkCompare(a, b string) int {
	ta, tb := apkTokenizer{s: a}, apkTokenizer{s: b}
	ta.first()
	tb.first()
	for ta.tok == tb.tok && ta.tok < apkEnd {
		if c := apkTokenCmp(&ta, &tb); c != 0 {
			return c
		}
		ta.next()
		tb.next()
	}
	if ta.tok == tb.tok { // both ended, or both hit a bad token
		return 0
	}
	// The leading components are equal: the version that goes on is
	// greater, unless what follows is a pre-release suffix.
	if ta.tok == apkSuffix && ta.suffix < apkSuffixNone {
		return -1
	}
	if tb.tok == apkSuffix && tb.suffix < apkSuffixNone {
		return 1
	}
	if ta.tok > tb.tok {
		return -1
	}
	return 1
}

type apkComparator struct{}

func (apkComparator) Compare(a, b string) (int, error) {
	va, err := ParseAPK(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseAPK(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
