package version

import "strings"

// MavenVersion is a parsed Maven version, the item tree of Maven's
// ComparableVersion.
type MavenVersion struct {
	raw   string
	items *mavenList
}

type mavenKind uint8

const (
	mavenNumber      mavenKind = iota
	mavenString                // a qualifier such as "rc" or "sp"
	mavenCombination           // a qualifier with a number, "rc1" or "rc-1"
	mavenSubList               // what follows a '-' or a digit/letter switch
)

// mavenItem is one item. A number keeps its digits with leading zeros
// stripped (a run of zeros is kept as written, as Maven does) and Maven's
// size class: int (up to 9 digits), long (up to 18) or BigInteger; numbers
// of different classes compare by class, which matters only for long runs
// of zeros. A combination has both a qualifier and a number.
type mavenItem struct {
	kind  mavenKind
	num   string
	class int
	str   string
	list  *mavenList
}

type mavenList struct{ items []mavenItem }

// ParseMaven parses s as Maven's ComparableVersion does (apache/maven,
// org.apache.maven.artifact.versioning.ComparableVersion, current
// upstream): lower-cased, split at '.', '-' and digit/letter transitions,
// with "-" and letter/digit switches opening sub-lists, a qualifier and the
// number after it ("rc1", "rc-1") forming one combination item, and null
// items (zeros, empty lists) dropped where Maven's normalize drops them.
// Only ASCII digits are digits. ComparableVersion accepts any string;
// ParseMaven rejects only the empty one.
func ParseMaven(s string) (MavenVersion, error) {
	if s == "" {
		return MavenVersion{}, parseErr(Maven, s, "version string is empty")
	}
	v := strings.ToLower(s)
	root := &mavenList{}
	list := root
	stack := []*mavenList{root}
	add := func(it mavenItem) { list.items = append(list.items, it) }
	push := func() {
		l := &mavenList{}
		add(mavenItem{kind: mavenSubList, list: l})
		list = l
		stack = append(stack, l)
	}
	digit, combination := false, false
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.':
			if i == start {
				add(mavenItem{kind: mavenNumber, num: "0"})
			} else {
				add(mavenParseItem(combination, digit, v[start:i]))
			}
			combination = false
			start = i + 1
		case c == '-':
			if i == start {
				add(mavenItem{kind: mavenNumber, num: "0"})
				start = i + 1
			} else {
				if !digit && i != len(v)-1 && isDigit(v[i+1]) {
					combination = true // X-1 is read as X1
					continue
				}
				add(mavenParseItem(combination, digit, v[start:i]))
				start = i + 1
			}
			if len(list.items) > 0 {
				push()
			}
			combination = false
		case isDigit(c):
			if !digit && i > start {
				combination = true
				if len(list.items) > 0 {
					push()
				}
			}
			digit = true
		default:
			if digit && i > start {
				add(mavenParseItem(combination, true, v[start:i]))
				start = i
				push()
				combination = false
			}
			digit = false
		}
	}
	if len(v) > start {
		// 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any qualifier X.
		if !digit && len(list.items) > 0 {
			push()
		}
		add(mavenParseItem(combination, digit, v[start:]))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return MavenVersion{raw: s, items: root}, nil
}

func mavenParseItem(combination, digit bool, s string) mavenItem {
	switch {
	case combination:
		s = strings.ReplaceAll(s, "-", "")
		i := 0
		for i < len(s) && !isDigit(s[i]) {
			i++
		}
		n := mavenNumberItem(s[i:])
		return mavenItem{kind: mavenCombination, str: mavenQualifier(s[:i], true), num: n.num, class: n.class}
	case digit:
		return mavenNumberItem(s)
	}
	return mavenItem{kind: mavenString, str: mavenQualifier(s, false)}
}

func mavenNumberItem(s string) mavenItem {
	if t := strings.TrimLeft(s, "0"); t != "" {
		s = t
	}
	class := 0
	switch {
	case len(s) > 18:
		class = 2
	case len(s) > 9:
		class = 1
	}
	return mavenItem{kind: mavenNumber, num: s, class: class}
}

// mavenQualifier applies StringItem's aliases: a1, b1, m1 for alpha-1,
// beta-1, milestone-1, and cr for rc.
func mavenQualifier(s string, followedByDigit bool) string {
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			return "alpha"
		case "b":
			return "beta"
		case "m":
			return "milestone"
		}
	}
	if s == "cr" {
		return "rc"
	}
	return s
}

// mavenQualifierRank places a qualifier in Maven's order alpha < beta <
// milestone < rc < snapshot < "" (= ga = final = release) < sp, with 7 for
// any other qualifier: those sort after all known ones, among themselves as
// strings.
func mavenQualifierRank(q string) int {
	switch q {
	case "alpha":
		return 0
	case "beta":
		return 1
	case "milestone":
		return 2
	case "rc":
		return 3
	case "snapshot":
		return 4
	case "", "ga", "final", "release":
		return mavenReleaseRank
	case "sp":
		return 6
	}
	return 7
}

const mavenReleaseRank = 5

func cmpQualifier(a, b string) int {
	ra, rb := mavenQualifierRank(a), mavenQualifierRank(b)
	if ra != rb || ra != 7 {
		return sign(ra - rb)
	}
	return cmpString(a, b)
}

// normalize drops null items (zeros, empty qualifiers, empty lists) at the
// end of the list or before a qualifier, as ListItem.normalize does.
func (l *mavenList) normalize() {
	for i := len(l.items) - 1; i >= 0; i-- {
		if !l.items[i].isNull() {
			continue
		}
		drop := i == len(l.items)-1
		if !drop {
			switch next := &l.items[i+1]; next.kind {
			case mavenString:
				drop = true
			case mavenSubList:
				if len(next.list.items) > 0 {
					k := next.list.items[0].kind
					drop = k == mavenCombination || k == mavenString
				}
			}
		}
		if drop {
			l.items = append(l.items[:i], l.items[i+1:]...)
		}
	}
}

func (it *mavenItem) isNull() bool {
	switch it.kind {
	case mavenNumber:
		return strings.Trim(it.num, "0") == ""
	case mavenString:
		return it.str == ""
	case mavenCombination:
		return false
	}
	return len(it.list.items) == 0
}

// cmpNull is the item's compareTo(null): how it compares with a missing
// item at the same place.
func (it *mavenItem) cmpNull() int {
	switch it.kind {
	case mavenNumber:
		if it.isNull() {
			return 0
		}
		return 1
	case mavenString, mavenCombination:
		return cmpQualifier(it.str, "")
	}
	for i := range it.list.items {
		if c := it.list.items[i].cmpNull(); c != 0 {
			return c
		}
	}
	return 0
}

func cmpMavenNumber(a, b *mavenItem) int {
	if a.class != b.class {
		return sign(a.class - b.class)
	}
	return cmpDecimal(a.num, b.num)
}

func (it *mavenItem) cmp(o *mavenItem) int {
	switch it.kind {
	case mavenNumber:
		if o.kind == mavenNumber {
			return cmpMavenNumber(it, o)
		}
		return 1 // 1.1 > 1-sp, 1.1 > 1-1
	case mavenString:
		switch o.kind {
		case mavenString:
			return cmpQualifier(it.str, o.str)
		case mavenCombination:
			if c := cmpQualifier(it.str, o.str); c != 0 {
				return c
			}
			return -1 // X < X1
		}
		return -1
	case mavenCombination:
		switch o.kind {
		case mavenString:
			if c := cmpQualifier(it.str, o.str); c != 0 {
				return c
			}
			return 1
		case mavenCombination:
			if c := cmpQualifier(it.str, o.str); c != 0 {
				return c
			}
			return cmpMavenNumber(it, o)
		}
		return -1
	}
	switch o.kind {
	case mavenNumber:
		return -1 // 1-1 < 1.0.x
	case mavenString, mavenCombination:
		return 1 // 1-1 > 1-sp
	}
	return it.list.cmp(o.list)
}

func (l *mavenList) cmp(o *mavenList) int {
	for i := 0; i < len(l.items) || i < len(o.items); i++ {
		var c int
		switch {
		case i >= len(l.items):
			c = -o.items[i].cmpNull()
		case i >= len(o.items):
			c = l.items[i].cmpNull()
		default:
			c = l.items[i].cmp(&o.items[i])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// Compare orders a and b as ComparableVersion.compareTo does.
func (a MavenVersion) Compare(b MavenVersion) int { return a.items.cmp(b.items) }

// String returns the version as parsed.
func (a MavenVersion) String() string { return a.raw }

type mavenComparator struct{}

func (mavenComparator) Compare(a, b string) (int, error) {
	va, err := ParseMaven(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseMaven(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}
