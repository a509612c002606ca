package memory

import "math/rand/v2"

// tree is a persistent ordered set (a treap): with and without return a
// new tree and leave the old one as it was, sharing all but the O(log n)
// nodes on the changed path. So a store keeps a tree in a map and put
// undoes a change by restoring the old root, as it does for the maps'
// slices, and no change costs a copy of the whole set.
type tree[T any] struct {
	root *treeNode[T]
	cmp  func(a, b T) int
}

type treeNode[T any] struct {
	v           T
	prio        uint64 // a heap on random priorities keeps the depth O(log n)
	left, right *treeNode[T]
}

// with returns t with v added (v must not be in t).
func (t tree[T]) with(v T) tree[T] {
	t.root = t.insert(t.root, &treeNode[T]{v: v, prio: rand.Uint64()})
	return t
}

func (t tree[T]) insert(n, x *treeNode[T]) *treeNode[T] {
	if n == nil {
		return x
	}
	if x.prio > n.prio {
		x.left, x.right = t.split(n, x.v)
		return x
	}
	c := *n
	if t.cmp(x.v, n.v) < 0 {
		c.left = t.insert(n.left, x)
	} else {
		c.right = t.insert(n.right, x)
	}
	return &c
}

// split returns copies of n's elements below v and above v.
func (t tree[T]) split(n *treeNode[T], v T) (below, above *treeNode[T]) {
	if n == nil {
		return nil, nil
	}
	c := *n
	if t.cmp(n.v, v) < 0 {
		c.right, above = t.split(n.right, v)
		return &c, above
	}
	below, c.left = t.split(n.left, v)
	return below, &c
}

// without returns t with v removed; t itself if v is not in it.
func (t tree[T]) without(v T) tree[T] {
	t.root = t.remove(t.root, v)
	return t
}

func (t tree[T]) remove(n *treeNode[T], v T) *treeNode[T] {
	if n == nil {
		return nil
	}
	c := *n
	switch d := t.cmp(v, n.v); {
	case d < 0:
		if c.left = t.remove(n.left, v); c.left == n.left {
			return n
		}
	case d > 0:
		if c.right = t.remove(n.right, v); c.right == n.right {
			return n
		}
	default:
		return merge(n.left, n.right)
	}
	return &c
}

// merge joins two treaps whose elements all sort a before b.
func merge[T any](a, b *treeNode[T]) *treeNode[T] {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.prio > b.prio:
		c := *a
		c.right = merge(a.right, b)
		return &c
	default:
		c := *b
		c.left = merge(a, b.left)
		return &c
	}
}

// ascend calls fn on the elements in order until fn returns false.
func (t tree[T]) ascend(fn func(T) bool) { ascend(t.root, fn) }

func ascend[T any](n *treeNode[T], fn func(T) bool) bool {
	return n == nil || ascend(n.left, fn) && fn(n.v) && ascend(n.right, fn)
}

// descend calls fn on the elements in reverse order until fn returns
// false.
func (t tree[T]) descend(fn func(T) bool) { descend(t.root, fn) }

func descend[T any](n *treeNode[T], fn func(T) bool) bool {
	return n == nil || descend(n.right, fn) && fn(n.v) && descend(n.left, fn)
}

// ascendFrom calls fn on the elements from the first one not below from, in
// order, until fn returns false.
func (t tree[T]) ascendFrom(from T, fn func(T) bool) { ascendFrom(t.root, from, t.cmp, fn) }

func ascendFrom[T any](n *treeNode[T], from T, cmp func(a, b T) int, fn func(T) bool) bool {
	if n == nil {
		return true
	}
	if cmp(n.v, from) >= 0 {
		if !ascendFrom(n.left, from, cmp, fn) || !fn(n.v) {
			return false
		}
	}
	return ascendFrom(n.right, from, cmp, fn)
}
