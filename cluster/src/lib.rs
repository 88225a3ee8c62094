//! redraft-cluster: topology, routing and Raft replication as pure code (placeholder for now).
