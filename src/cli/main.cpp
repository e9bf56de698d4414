#include "cli/app.hpp"

int main(int argc, char** argv) { return ldb::cli::run_cli(argc, argv); }
