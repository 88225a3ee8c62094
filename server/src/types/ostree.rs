//! Placeholder: the order-statistic B-tree lands here.
