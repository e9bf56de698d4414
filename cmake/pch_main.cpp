// The owner of ldb's precompiled header for executables (LDB_PCH, -fPIE):
// every executable reuses it. Nothing is compiled here beyond the header itself.
int main() { return 0; }
