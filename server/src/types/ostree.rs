//! [`OsTree`]: an order-statistic B-tree, the index of big sorted sets (`skiplist` encoding).
//!
//! A sequence addressed by rank (0-based position) rather than by key: the caller keeps the
//! items ordered and finds positions with [`OsTree::partition_point`], which is what lets a
//! sorted set order `(score, member index)` pairs by a member stored elsewhere. Every operation
//! is O(log n): items live in wide leaves (a `Vec` of up to `L` items), internal nodes keep the
//! item count of each child, so rank → item (select) and search → rank are one descent.
//!
//! Memory is the point of the wide leaves: a 16-byte item costs about 16 / fill bytes, where
//! fill is at least one half (removals borrow from or merge with a sibling) and about 0.7 for
//! random insertions. Appending at either end of the tree (increasing or decreasing scores, the
//! common case) splits a full leaf unevenly, leaving the old one full, so sequentially built
//! trees are nearly 100% full. Internal nodes cost well under a byte per item.

use std::fmt;
use std::iter::FusedIterator;

/// Where an insertion happens, which decides how a full node splits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// At rank 0: keep the new item alone on the left.
    Start,
    /// At rank `len`: keep the new item alone on the right.
    End,
    /// Elsewhere: split in halves.
    Middle,
}

impl Edge {
    /// The index where the right part of an overfull node of `len` entries begins.
    fn split_at(self, len: usize) -> usize {
        match self {
            Edge::Start => 1,
            Edge::End => len - 1,
            Edge::Middle => len / 2,
        }
    }
}

#[derive(Clone)]
enum Node<T> {
    Leaf(Vec<T>),
    Internal(Internal<T>),
}

#[derive(Clone)]
struct Internal<T> {
    /// Items below this node.
    len: usize,
    /// Items below each child.
    counts: Vec<usize>,
    children: Vec<Node<T>>,
}

impl<T> Node<T> {
    fn len(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Internal(n) => n.len,
        }
    }

    /// Leaves and internal nodes hold L or B entries at most, at least half as many unless
    /// they are at an edge of the tree or the root.
    fn width(&self) -> usize {
        match self {
            Node::Leaf(v) => v.len(),
            Node::Internal(n) => n.children.len(),
        }
    }

    fn first(&self) -> &T {
        let mut node = self;
        loop {
            match node {
                Node::Leaf(v) => return &v[0],
                Node::Internal(n) => node = &n.children[0],
            }
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Node::Leaf(v) => v.capacity() * std::mem::size_of::<T>(),
            Node::Internal(n) => {
                n.counts.capacity() * std::mem::size_of::<usize>()
                    + n.children.capacity() * std::mem::size_of::<Node<T>>()
                    + n.children.iter().map(Node::heap_size).sum::<usize>()
            }
        }
    }
}

impl<T> Internal<T> {
    /// The child holding `rank` (< len) and the rank inside it.
    fn child_for_get(&self, mut rank: usize) -> (usize, usize) {
        for (i, &c) in self.counts.iter().enumerate() {
            if rank < c {
                return (i, rank);
            }
            rank -= c;
        }
        unreachable!("rank below len")
    }

    /// The child where an item inserted at `rank` (<= len) goes and the rank inside it. At a
    /// boundary between two children, the smaller one.
    fn child_for_insert(&self, mut rank: usize) -> (usize, usize) {
        let last = self.counts.len() - 1;
        for (i, &c) in self.counts.iter().enumerate() {
            if rank < c || i == last {
                return (i, rank);
            }
            if rank == c {
                return if self.counts[i + 1] < c {
                    (i + 1, 0)
                } else {
                    (i, rank)
                };
            }
            rank -= c;
        }
        unreachable!("an internal node has children")
    }
}

/// An order-statistic B-tree: a sequence with O(log n) access, insertion and removal by rank.
///
/// `L` is the most items a leaf holds, `B` the most children of an internal node (both at
/// least 4); the defaults suit 16-byte items.
pub struct OsTree<T, const L: usize = 128, const B: usize = 64> {
    root: Node<T>,
}

impl<T, const L: usize, const B: usize> Default for OsTree<T, L, B> {
    fn default() -> Self {
        OsTree {
            root: Node::Leaf(Vec::new()),
        }
    }
}

impl<T: Clone, const L: usize, const B: usize> Clone for OsTree<T, L, B> {
    fn clone(&self) -> Self {
        OsTree {
            root: self.root.clone(),
        }
    }
}

impl<T: fmt::Debug, const L: usize, const B: usize> fmt::Debug for OsTree<T, L, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq, const L: usize, const B: usize> PartialEq for OsTree<T, L, B> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Makes room for one more item in a leaf without ever growing it past `cap`.
fn reserve_leaf<T>(v: &mut Vec<T>, cap: usize) {
    if v.len() == v.capacity() {
        let want = (v.len() * 2).clamp(4, cap);
        v.reserve_exact(want.max(v.len() + 1) - v.len());
    }
}

impl<T, const L: usize, const B: usize> OsTree<T, L, B> {
    const CHECK: () = assert!(L >= 4 && B >= 4, "OsTree needs L >= 4 and B >= 4");

    /// An empty tree (no allocation).
    pub fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CHECK;
        Self::default()
    }

    /// Builds a tree holding `items` in order, with leaves and nodes filled evenly (O(n)).
    pub fn from_vec(items: Vec<T>) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::CHECK;
        if items.len() <= L {
            return OsTree {
                root: Node::Leaf(items),
            };
        }
        let mut level: Vec<Node<T>> = Vec::new();
        let mut rest = items.into_iter();
        let n = rest.len();
        for size in even_chunks(n, L) {
            let mut leaf = Vec::with_capacity(L + 1);
            leaf.extend(rest.by_ref().take(size));
            level.push(Node::Leaf(leaf));
        }
        while level.len() > 1 {
            let n = level.len();
            let mut rest = level.into_iter();
            level = even_chunks(n, B)
                .map(|size| {
                    let mut children = Vec::with_capacity(B + 1);
                    children.extend(rest.by_ref().take(size));
                    let mut counts = Vec::with_capacity(B + 1);
                    counts.extend(children.iter().map(Node::len));
                    Node::Internal(Internal {
                        len: counts.iter().sum(),
                        counts,
                        children,
                    })
                })
                .collect();
        }
        OsTree {
            root: level.pop().expect("at least one node"),
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.root.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every item.
    pub fn clear(&mut self) {
        self.root = Node::Leaf(Vec::new());
    }

    /// The item at `rank` (0-based), `None` past the end.
    pub fn get(&self, mut rank: usize) -> Option<&T> {
        if rank >= self.len() {
            return None;
        }
        let mut node = &self.root;
        loop {
            match node {
                Node::Leaf(v) => return v.get(rank),
                Node::Internal(n) => {
                    let (i, sub) = n.child_for_get(rank);
                    node = &n.children[i];
                    rank = sub;
                }
            }
        }
    }

    /// The item at `rank`, mutably. The caller must not change its place in the order.
    pub fn get_mut(&mut self, mut rank: usize) -> Option<&mut T> {
        if rank >= self.len() {
            return None;
        }
        let mut node = &mut self.root;
        loop {
            match node {
                Node::Leaf(v) => return v.get_mut(rank),
                Node::Internal(n) => {
                    let (i, sub) = n.child_for_get(rank);
                    node = &mut n.children[i];
                    rank = sub;
                }
            }
        }
    }

    /// The first item.
    pub fn first(&self) -> Option<&T> {
        self.get(0)
    }

    /// The last item.
    pub fn last(&self) -> Option<&T> {
        self.len().checked_sub(1).and_then(|r| self.get(r))
    }

    /// Inserts `item` so that it gets rank `rank`; later items move up one rank.
    ///
    /// # Panics
    /// If `rank > len()`.
    pub fn insert_at(&mut self, rank: usize, item: T) {
        let len = self.len();
        assert!(rank <= len, "insert_at rank {rank} > len {len}");
        let edge = if rank == len {
            Edge::End
        } else if rank == 0 {
            Edge::Start
        } else {
            Edge::Middle
        };
        if let Some(right) = Self::insert_rec(&mut self.root, rank, item, edge) {
            let left = std::mem::replace(&mut self.root, Node::Leaf(Vec::new()));
            let mut counts = Vec::with_capacity(B + 1);
            counts.extend([left.len(), right.len()]);
            let mut children = Vec::with_capacity(B + 1);
            children.extend([left, right]);
            self.root = Node::Internal(Internal {
                len: len + 1,
                counts,
                children,
            });
        }
    }

    /// Appends `item` at the end.
    pub fn push(&mut self, item: T) {
        self.insert_at(self.len(), item);
    }

    /// Inserts into `node`; returns the new right sibling when `node` had to split.
    fn insert_rec(node: &mut Node<T>, rank: usize, item: T, edge: Edge) -> Option<Node<T>> {
        match node {
            Node::Leaf(v) => {
                reserve_leaf(v, L + 1);
                v.insert(rank, item);
                if v.len() <= L {
                    return None;
                }
                let at = edge.split_at(v.len());
                let mut right = Vec::with_capacity(L + 1);
                right.extend(v.drain(at..));
                Some(Node::Leaf(right))
            }
            Node::Internal(n) => {
                let (i, sub) = n.child_for_insert(rank);
                n.len += 1;
                n.counts[i] += 1;
                let right = Self::insert_rec(&mut n.children[i], sub, item, edge)?;
                let moved = right.len();
                n.counts[i] -= moved;
                n.counts.insert(i + 1, moved);
                n.children.insert(i + 1, right);
                if n.children.len() <= B {
                    return None;
                }
                let at = edge.split_at(n.children.len());
                let mut counts = Vec::with_capacity(B + 1);
                counts.extend(n.counts.drain(at..));
                let mut children = Vec::with_capacity(B + 1);
                children.extend(n.children.drain(at..));
                let len: usize = counts.iter().sum();
                n.len -= len;
                Some(Node::Internal(Internal {
                    len,
                    counts,
                    children,
                }))
            }
        }
    }

    /// Removes and returns the item at `rank`; later items move down one rank.
    ///
    /// # Panics
    /// If `rank >= len()`.
    pub fn remove_at(&mut self, rank: usize) -> T {
        let len = self.len();
        assert!(rank < len, "remove_at rank {rank} >= len {len}");
        let item = Self::remove_rec(&mut self.root, rank);
        if len == 1 {
            self.root = Node::Leaf(Vec::new());
        }
        // A root with one child gives way to it (repeatedly: edge nodes may have one child).
        while let Node::Internal(n) = &mut self.root {
            if n.children.len() != 1 {
                break;
            }
            let only = n.children.pop().expect("one child");
            self.root = only;
        }
        item
    }

    /// Removes and returns the first item.
    pub fn pop_first(&mut self) -> Option<T> {
        (!self.is_empty()).then(|| self.remove_at(0))
    }

    /// Removes and returns the last item.
    pub fn pop_last(&mut self) -> Option<T> {
        let len = self.len();
        (len > 0).then(|| self.remove_at(len - 1))
    }

    fn remove_rec(node: &mut Node<T>, rank: usize) -> T {
        match node {
            Node::Leaf(v) => v.remove(rank),
            Node::Internal(n) => {
                let (i, sub) = n.child_for_get(rank);
                let item = Self::remove_rec(&mut n.children[i], sub);
                n.counts[i] -= 1;
                n.len -= 1;
                if n.counts[i] == 0 {
                    // Only edge nodes get this small; an empty one goes (and so does `n` when
                    // it was its only child: the parent sees a count of 0).
                    n.children.remove(i);
                    n.counts.remove(i);
                    return item;
                }
                let min = match &n.children[i] {
                    Node::Leaf(_) => L / 2,
                    Node::Internal(_) => B / 2,
                };
                if n.children[i].width() < min && n.children.len() > 1 {
                    Self::rebalance(n, if i > 0 { i - 1 } else { 0 });
                }
                item
            }
        }
    }

    /// Merges children `l` and `l + 1` of `n` if they fit in one node, else evens them out.
    fn rebalance(n: &mut Internal<T>, l: usize) {
        let (left, right) = n.children.split_at_mut(l + 1);
        let (a, b) = (&mut left[l], &mut right[0]);
        match (a, b) {
            (Node::Leaf(a), Node::Leaf(b)) => {
                let total = a.len() + b.len();
                if total <= L {
                    if a.capacity() < total {
                        a.reserve_exact((L + 1).min(total * 2) - a.len());
                    }
                    a.append(b);
                } else {
                    let target = total / 2;
                    if a.len() > target {
                        let moved: Vec<T> = a.drain(target..).collect();
                        b.splice(0..0, moved);
                    } else {
                        let k = target - a.len();
                        a.extend(b.drain(..k));
                    }
                }
            }
            (Node::Internal(a), Node::Internal(b)) => {
                let total = a.children.len() + b.children.len();
                if total <= B {
                    a.children.append(&mut b.children);
                    a.counts.append(&mut b.counts);
                    a.len += b.len;
                    b.len = 0;
                } else {
                    let target = total / 2;
                    if a.children.len() > target {
                        let moved: Vec<Node<T>> = a.children.drain(target..).collect();
                        let counts: Vec<usize> = a.counts.drain(target..).collect();
                        let m: usize = counts.iter().sum();
                        a.len -= m;
                        b.len += m;
                        b.children.splice(0..0, moved);
                        b.counts.splice(0..0, counts);
                    } else {
                        let k = target - a.children.len();
                        let m: usize = b.counts[..k].iter().sum();
                        a.children.extend(b.children.drain(..k));
                        a.counts.extend(b.counts.drain(..k));
                        a.len += m;
                        b.len -= m;
                    }
                }
            }
            _ => unreachable!("siblings are at the same height"),
        }
        n.counts[l] = n.children[l].len();
        if n.children[l + 1].len() == 0 {
            n.children.remove(l + 1);
            n.counts.remove(l + 1);
        } else {
            n.counts[l + 1] = n.children[l + 1].len();
        }
    }

    /// The number of leading items for which `pred` holds, `pred` being true on a prefix and
    /// false after it (like [`slice::partition_point`]). With `pred = |x| x < &probe` it is the
    /// rank where `probe` would be inserted.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let mut node = &self.root;
        let mut base = 0;
        loop {
            match node {
                Node::Leaf(v) => return base + v.partition_point(&mut pred),
                Node::Internal(n) => {
                    // The first child (after the first) whose first item fails: the boundary
                    // lies in the child before it.
                    let (mut lo, mut hi) = (1, n.children.len());
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        if pred(n.children[mid].first()) {
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    let k = lo - 1;
                    base += n.counts[..k].iter().sum::<usize>();
                    node = &n.children[k];
                }
            }
        }
    }

    /// All items, front to back (or back to front with `.rev()`).
    pub fn iter(&self) -> Iter<'_, T> {
        self.range(0, self.len())
    }

    /// The items with ranks in `lo..hi` (clamped to the tree). O(log n) to the first item,
    /// O(1) amortized per step from either end.
    pub fn range(&self, lo: usize, hi: usize) -> Iter<'_, T> {
        let hi = hi.min(self.len());
        Iter {
            root: &self.root,
            lo: lo.min(hi),
            hi,
            front: None,
            back: None,
        }
    }

    /// The items from `rank` to the end.
    pub fn iter_from(&self, rank: usize) -> Iter<'_, T> {
        self.range(rank, self.len())
    }

    /// The items from `rank` (inclusive; the last item if `rank` is past it) back to the first.
    pub fn iter_rev_from(&self, rank: usize) -> std::iter::Rev<Iter<'_, T>> {
        self.range(0, rank.saturating_add(1)).rev()
    }

    /// Heap bytes owned by the tree (not by the items' own allocations).
    pub fn heap_size(&self) -> usize {
        self.root.heap_size()
    }

    /// Checks the structural invariants (tests).
    #[cfg(test)]
    fn check(&self) {
        fn walk<T>(node: &Node<T>, depth: usize, leaf_depth: &mut Option<usize>, root: bool) {
            match node {
                Node::Leaf(v) => {
                    assert!(root || !v.is_empty(), "empty non-root leaf");
                    match leaf_depth {
                        Some(d) => assert_eq!(*d, depth, "leaves at different depths"),
                        None => *leaf_depth = Some(depth),
                    }
                }
                Node::Internal(n) => {
                    assert!(!n.children.is_empty());
                    assert!(!root || n.children.len() > 1, "root with one child");
                    assert_eq!(n.counts.len(), n.children.len());
                    for (c, child) in n.counts.iter().zip(&n.children) {
                        assert_eq!(*c, child.len(), "stale count");
                        walk(child, depth + 1, leaf_depth, false);
                    }
                    assert_eq!(n.len, n.counts.iter().sum::<usize>(), "stale len");
                }
            }
        }
        walk(&self.root, 0, &mut None, true);
        let mut leaves = Vec::new();
        fn collect<'a, T>(node: &'a Node<T>, out: &mut Vec<&'a Vec<T>>) {
            match node {
                Node::Leaf(v) => out.push(v),
                Node::Internal(n) => n.children.iter().for_each(|c| collect(c, out)),
            }
        }
        collect(&self.root, &mut leaves);
        for v in &leaves {
            assert!(v.len() <= L, "overfull leaf");
            assert!(
                v.capacity() <= L + 1,
                "leaf capacity {} > {}",
                v.capacity(),
                L + 1
            );
        }
    }

    /// Sizes of the leaves, left to right (tests).
    #[cfg(test)]
    fn leaf_sizes(&self) -> Vec<usize> {
        fn collect<T>(node: &Node<T>, out: &mut Vec<usize>) {
            match node {
                Node::Leaf(v) => out.push(v.len()),
                Node::Internal(n) => n.children.iter().for_each(|c| collect(c, out)),
            }
        }
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }
}

/// `n` items cut into `ceil(n / cap)` chunks whose sizes differ by at most one.
fn even_chunks(n: usize, cap: usize) -> impl Iterator<Item = usize> {
    let k = n.div_ceil(cap).max(1);
    let (base, extra) = (n / k, n % k);
    (0..k).map(move |i| base + usize::from(i < extra))
}

/// A position in the tree: the path of internal nodes with the child taken in each, and the
/// leaf with the index in it.
struct Cursor<'a, T> {
    path: Vec<(&'a Internal<T>, usize)>,
    leaf: &'a [T],
    idx: usize,
}

impl<'a, T> Cursor<'a, T> {
    /// A cursor at `rank` (< the root's len).
    fn seek(root: &'a Node<T>, mut rank: usize) -> Self {
        let mut path = Vec::new();
        let mut node = root;
        loop {
            match node {
                Node::Leaf(v) => {
                    return Cursor {
                        path,
                        leaf: v,
                        idx: rank,
                    }
                }
                Node::Internal(n) => {
                    let (i, sub) = n.child_for_get(rank);
                    path.push((n, i));
                    node = &n.children[i];
                    rank = sub;
                }
            }
        }
    }

    fn item(&self) -> &'a T {
        &self.leaf[self.idx]
    }

    /// Moves to the next item; there must be one.
    fn advance(&mut self) {
        self.idx += 1;
        if self.idx < self.leaf.len() {
            return;
        }
        while let Some((n, i)) = self.path.pop() {
            if i + 1 < n.children.len() {
                self.path.push((n, i + 1));
                let mut node = &n.children[i + 1];
                loop {
                    match node {
                        Node::Leaf(v) => {
                            self.leaf = v;
                            self.idx = 0;
                            return;
                        }
                        Node::Internal(n) => {
                            self.path.push((n, 0));
                            node = &n.children[0];
                        }
                    }
                }
            }
        }
    }

    /// Moves to the previous item; there must be one.
    fn retreat(&mut self) {
        if self.idx > 0 {
            self.idx -= 1;
            return;
        }
        while let Some((n, i)) = self.path.pop() {
            if i > 0 {
                self.path.push((n, i - 1));
                let mut node = &n.children[i - 1];
                loop {
                    match node {
                        Node::Leaf(v) => {
                            self.leaf = v;
                            self.idx = v.len() - 1;
                            return;
                        }
                        Node::Internal(n) => {
                            let last = n.children.len() - 1;
                            self.path.push((n, last));
                            node = &n.children[last];
                        }
                    }
                }
            }
        }
    }
}

/// Iterator over a rank range of an [`OsTree`], from either end.
pub struct Iter<'a, T> {
    root: &'a Node<T>,
    /// Rank of the next item from the front.
    lo: usize,
    /// One past the rank of the next item from the back.
    hi: usize,
    front: Option<Cursor<'a, T>>,
    back: Option<Cursor<'a, T>>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        if self.lo >= self.hi {
            return None;
        }
        let (root, lo) = (self.root, self.lo);
        let c = self.front.get_or_insert_with(|| Cursor::seek(root, lo));
        let item = c.item();
        self.lo += 1;
        if self.lo < self.hi {
            c.advance();
        }
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.hi - self.lo;
        (n, Some(n))
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.lo >= self.hi {
            return None;
        }
        let (root, at) = (self.root, self.hi - 1);
        let c = self.back.get_or_insert_with(|| Cursor::seek(root, at));
        let item = c.item();
        self.hi -= 1;
        if self.lo < self.hi {
            c.retreat();
        }
        Some(item)
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Small = OsTree<u32, 4, 4>;

    fn model_check<const L: usize, const B: usize>(t: &OsTree<u32, L, B>, m: &[u32]) {
        t.check();
        assert_eq!(t.len(), m.len());
        assert!(t.iter().eq(m.iter()));
        assert!(t.iter().rev().eq(m.iter().rev()));
    }

    #[test]
    fn empty_tree() {
        let t: OsTree<u32> = OsTree::new();
        assert!(t.is_empty());
        assert_eq!(t.get(0), None);
        assert_eq!(t.iter().next(), None);
        assert_eq!(t.iter_from(3).next(), None);
        assert_eq!(t.iter_rev_from(3).next(), None);
        assert_eq!(t.partition_point(|_| true), 0);
        assert_eq!(t.heap_size(), 0);
    }

    #[test]
    fn sequential_appends_fill_leaves() {
        let mut t: OsTree<(f64, u32)> = OsTree::new();
        for i in 0..100_000u32 {
            t.push((i as f64, i));
        }
        t.check();
        let sizes = t.leaf_sizes();
        assert!(
            sizes[..sizes.len() - 1].iter().all(|&s| s == 128),
            "{sizes:?}"
        );
        // 16-byte items: about 16 bytes each (plus the leaves' one spare slot).
        assert!(t.heap_size() < 100_000 * 17, "{}", t.heap_size());
        let mut t: OsTree<u32, 8, 4> = OsTree::new();
        for i in 0..10_000u32 {
            t.insert_at(0, i);
        }
        t.check();
        let sizes = t.leaf_sizes();
        assert!(sizes[1..].iter().all(|&s| s == 8), "{sizes:?}");
        assert!(t.iter().copied().eq((0..10_000).rev()));
    }

    #[test]
    fn random_inserts_keep_memory_low() {
        let mut t: OsTree<(f64, u32)> = OsTree::new();
        let mut x = 12345u64;
        for i in 0..200_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let rank = (x >> 33) as usize % (t.len() + 1);
            t.insert_at(rank, (0.0, i));
        }
        t.check();
        let per_item = t.heap_size() as f64 / t.len() as f64;
        assert!(per_item < 26.0, "{per_item} bytes per item");
        // Removing most items keeps the leaves at least half full.
        for _ in 0..150_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let rank = (x >> 33) as usize % t.len();
            t.remove_at(rank);
        }
        t.check();
        let sizes = t.leaf_sizes();
        assert!(
            sizes[1..sizes.len() - 1].iter().all(|&s| s >= 64),
            "{sizes:?}"
        );
        let per_item = t.heap_size() as f64 / t.len() as f64;
        assert!(per_item < 36.0, "{per_item} bytes per item");
    }

    #[test]
    fn from_vec_builds_balanced_trees() {
        for n in [0, 1, 4, 5, 17, 100, 1000] {
            let t = Small::from_vec((0..n).collect());
            let m: Vec<u32> = (0..n).collect();
            model_check(&t, &m);
            let sizes = t.leaf_sizes();
            if sizes.len() > 1 {
                assert!(sizes.iter().all(|&s| s >= 2), "{sizes:?}");
            }
        }
    }

    #[test]
    fn partition_point_finds_insertion_ranks() {
        let t = Small::from_vec((0..1000).map(|i| i * 2).collect());
        for probe in 0..2002 {
            assert_eq!(
                t.partition_point(|&x| x < probe),
                probe.div_ceil(2).min(1000) as usize
            );
        }
    }

    #[test]
    fn iterators_from_a_rank() {
        let t = Small::from_vec((0..300).collect());
        for r in [0usize, 1, 3, 4, 150, 298, 299, 300, 400] {
            assert!(t.iter_from(r).copied().eq(r.min(300) as u32..300), "{r}");
            let expect: Vec<u32> = (0..=r.min(299) as u32).rev().collect();
            assert_eq!(t.iter_rev_from(r).copied().collect::<Vec<_>>(), expect);
        }
        let mut it = t.range(10, 20);
        assert_eq!(it.len(), 10);
        assert_eq!(it.next(), Some(&10));
        assert_eq!(it.next_back(), Some(&19));
        assert_eq!(it.len(), 8);
        assert!(it.copied().eq(11..19));
    }

    #[test]
    #[should_panic(expected = "remove_at rank 3 >= len 3")]
    fn remove_past_the_end_panics() {
        let mut t = Small::from_vec(vec![1, 2, 3]);
        t.remove_at(3);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(usize, u32),
        Remove(usize),
        Get(usize),
        Set(usize),
        From(usize),
        RevFrom(usize),
        Partition(u32),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<usize>(), any::<u32>()).prop_map(|(r, v)| Op::Insert(r, v)),
            4 => any::<usize>().prop_map(Op::Remove),
            1 => any::<usize>().prop_map(Op::Get),
            1 => any::<usize>().prop_map(Op::Set),
            1 => any::<usize>().prop_map(Op::From),
            1 => any::<usize>().prop_map(Op::RevFrom),
            1 => any::<u32>().prop_map(Op::Partition),
        ]
    }

    /// Runs `ops` against a tree and a `Vec`; the model is kept sorted so that
    /// `partition_point` has a monotone predicate (inserts clamp the value between neighbours).
    fn run<const L: usize, const B: usize>(ops: &[Op]) {
        let mut t: OsTree<u32, L, B> = OsTree::new();
        let mut m: Vec<u32> = Vec::new();
        for op in ops {
            match *op {
                Op::Insert(r, v) => {
                    let r = r % (m.len() + 1);
                    let lo = if r > 0 { m[r - 1] } else { 0 };
                    let hi = m.get(r).copied().unwrap_or(u32::MAX);
                    let span = u64::from(hi) - u64::from(lo) + 1;
                    let v = (u64::from(lo) + u64::from(v) % span) as u32;
                    t.insert_at(r, v);
                    m.insert(r, v);
                }
                Op::Remove(r) if !m.is_empty() => {
                    let r = r % m.len();
                    assert_eq!(t.remove_at(r), m.remove(r));
                }
                Op::Get(r) => {
                    let r = r % (m.len() + 2);
                    assert_eq!(t.get(r), m.get(r));
                }
                Op::Set(r) if !m.is_empty() => {
                    let r = r % m.len();
                    *t.get_mut(r).unwrap() = m[r];
                }
                Op::From(r) => {
                    let r = r % (m.len() + 2);
                    assert!(t.iter_from(r).take(64).eq(m.iter().skip(r).take(64)));
                }
                Op::RevFrom(r) => {
                    let r = r % (m.len() + 2);
                    let end = (r + 1).min(m.len());
                    assert!(t
                        .iter_rev_from(r)
                        .take(64)
                        .eq(m[..end].iter().rev().take(64)));
                }
                Op::Partition(p) => {
                    assert_eq!(t.partition_point(|&x| x < p), m.partition_point(|&x| x < p));
                    assert_eq!(
                        t.partition_point(|&x| x <= p),
                        m.partition_point(|&x| x <= p)
                    );
                }
                _ => {}
            }
        }
        model_check(&t, &m);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn small_nodes_match_a_vec(ops in proptest::collection::vec(op(), 0..2000)) {
            run::<4, 4>(&ops);
        }

        #[test]
        fn odd_nodes_match_a_vec(ops in proptest::collection::vec(op(), 0..2000)) {
            run::<5, 7>(&ops);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]

        /// Tens of thousands of items: splits and merges at several levels of the default
        /// shape, then draining most of it again.
        #[test]
        fn big_trees_match_a_vec(seed in any::<u64>()) {
            let mut t: OsTree<u32> = OsTree::new();
            let mut m: Vec<u32> = Vec::new();
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            for i in 0..60_000u32 {
                let r = next() as usize % (m.len() + 1);
                t.insert_at(r, i);
                m.insert(r, i);
            }
            model_check(&t, &m);
            for _ in 0..55_000 {
                let r = next() as usize % m.len();
                prop_assert_eq!(t.remove_at(r), m.remove(r));
                if next() % 8 == 0 {
                    let r = next() as usize % (m.len() + 1);
                    t.insert_at(r, 7);
                    m.insert(r, 7);
                }
            }
            model_check(&t, &m);
            for r in (0..m.len()).step_by(97) {
                prop_assert_eq!(t.get(r), m.get(r));
                prop_assert!(t.iter_from(r).take(200).eq(m[r..].iter().take(200)));
                prop_assert!(t.iter_rev_from(r).take(200).eq(m[..=r].iter().rev().take(200)));
            }
            while !m.is_empty() {
                let r = next() as usize % m.len();
                prop_assert_eq!(t.remove_at(r), m.remove(r));
            }
            t.check();
            prop_assert!(t.is_empty());
        }
    }
}
