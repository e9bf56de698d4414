// The target that owns ldb's precompiled header (LDB_PCH): every other
// target reuses it. Nothing is compiled here beyond the header itself.
