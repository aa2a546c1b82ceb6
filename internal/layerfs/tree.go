package layerfs

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// maxLinkHops bounds symbolic-link resolution, as the kernel's ELOOP does.
const maxLinkHops = 40

// Node is one path of the merged filesystem.
type Node struct {
	Entry
	// Layer is the index (in application order) of the layer that last
	// wrote this path.
	Layer int
}

type treeNode struct {
	node     Node
	children map[string]*treeNode
}

// Tree is the filesystem an image presents after all its layers are
// applied in order.
type Tree struct {
	root  *treeNode
	count int
}

// NewTree returns an empty filesystem.
func NewTree() *Tree {
	return &Tree{root: &treeNode{node: Node{Entry: Entry{Mode: fs.ModeDir | 0o755}}}}
}

// Len reports the number of paths in the tree.
func (t *Tree) Len() int { return t.count }

// Apply lays one layer's index over the tree: its whiteouts and opaque
// directories hide lower layers' paths, then its entries are added.
func (t *Tree) Apply(idx *Index, layer int) {
	for _, dir := range idx.Opaques {
		if n := t.find(dir); n != nil {
			t.count -= countBelow(n)
			n.children = nil
		}
	}
	for _, p := range idx.Whiteouts {
		t.remove(p)
	}
	for _, e := range idx.Entries {
		t.put(e, layer)
	}
}

func countBelow(n *treeNode) int {
	c := 0
	for _, ch := range n.children {
		c += 1 + countBelow(ch)
	}
	return c
}

func (t *Tree) find(p string) *treeNode {
	n := t.root
	if p == "" {
		return n
	}
	for _, part := range strings.Split(p, "/") {
		if n.children == nil {
			return nil
		}
		n = n.children[part]
		if n == nil {
			return nil
		}
	}
	return n
}

func (t *Tree) remove(p string) {
	dir, base := path.Split(p)
	parent := t.find(strings.TrimSuffix(dir, "/"))
	if parent == nil || parent.children == nil {
		return
	}
	if n, ok := parent.children[base]; ok {
		t.count -= 1 + countBelow(n)
		delete(parent.children, base)
	}
}

func (t *Tree) put(e Entry, layer int) {
	n := t.root
	parts := strings.Split(e.Path, "/")
	for i, part := range parts {
		if n.children == nil {
			n.children = make(map[string]*treeNode)
		}
		ch := n.children[part]
		last := i == len(parts)-1
		if ch == nil {
			ch = &treeNode{}
			if !last { // implicit parent directory
				ch.node = Node{Entry: Entry{Path: strings.Join(parts[:i+1], "/"), Mode: fs.ModeDir | 0o755}, Layer: layer}
			}
			n.children[part] = ch
			t.count++
		}
		if last {
			if !e.Mode.IsDir() || !ch.node.Mode.IsDir() {
				// A non-directory replaces whatever was there, children included.
				if ch.children != nil {
					t.count -= countBelow(ch)
					ch.children = nil
				}
			}
			ch.node = Node{Entry: e, Layer: layer}
		}
		n = ch
	}
}

// Lookup returns the node at p without following a final symbolic link
// (intermediate directories that are links are followed).
func (t *Tree) Lookup(p string) (Node, bool) {
	real, err := t.resolve(p, false)
	if err != nil {
		return Node{}, false
	}
	n := t.find(real)
	if n == nil {
		return Node{}, false
	}
	return n.node, true
}

// Resolve follows symbolic links (absolute targets are taken relative to the
// image root; ".." never climbs above it) and returns the real path of p.
func (t *Tree) Resolve(p string) (string, error) {
	return t.resolve(p, true)
}

// Stat is Lookup after Resolve.
func (t *Tree) Stat(p string) (Node, error) {
	real, err := t.Resolve(p)
	if err != nil {
		return Node{}, err
	}
	n := t.find(real)
	if n == nil {
		return Node{}, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return n.node, nil
}

func (t *Tree) resolve(p string, followLast bool) (string, error) {
	hops := 0
	pending := splitPath(p)
	var done []string
	for len(pending) > 0 {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := strings.Join(append(done, part), "/")
		n := t.find(cur)
		if n == nil || n.node.Mode&fs.ModeSymlink == 0 || (len(pending) == 0 && !followLast) {
			done = append(done, part)
			if n == nil {
				// Nothing more to follow below a missing path.
				done = append(done, pending...)
				pending = nil
			}
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", fmt.Errorf("resolving %q: %w", p, ErrSymlinkLoop)
		}
		target := n.node.Linkname
		if strings.HasPrefix(target, "/") {
			done = nil
		}
		pending = append(splitPath(target), pending...)
	}
	return strings.Join(done, "/"), nil
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// Walk calls fn for every path of the tree in lexical order.
func (t *Tree) Walk(fn func(Node) error) error {
	return walkNode(t.root, fn)
}

func walkNode(n *treeNode, fn func(Node) error) error {
	names := make([]string, 0, len(n.children))
	for name := range n.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ch := n.children[name]
		if err := fn(ch.node); err != nil {
			return err
		}
		if err := walkNode(ch, fn); err != nil {
			return err
		}
	}
	return nil
}
