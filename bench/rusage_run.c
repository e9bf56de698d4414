/* rusage_run OUT COMMAND [ARGS...]: runs COMMAND, waits for it with wait4() and
 * writes "WALL_SECONDS USER_SECONDS SYS_SECONDS MAXRSS_KIB" to the file OUT;
 * exits with COMMAND's exit code (128 + signal when killed).
 *
 * Used by bench/measure.py instead of measuring from Python directly: on Linux
 * a process's peak RSS (ru_maxrss) starts at the RSS of the process it was
 * forked from, so a child forked from the Python harness never reports less
 * than the harness's ~20 MB. Forked from this small program, it reports its own
 * peak. CPU time and peak RSS include every descendant COMMAND waited for. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec / 1e6; }

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: rusage_run OUT COMMAND [ARGS...]\n");
    return 125;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage_run: fork");
    return 125;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "rusage_run: cannot run %s: ", argv[2]);
    perror("");
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0) {
    perror("rusage_run: wait4");
    return 125;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  FILE* out = fopen(argv[1], "w");
  if (out == NULL) {
    fprintf(stderr, "rusage_run: cannot write %s: ", argv[1]);
    perror("");
    return 125;
  }
  fprintf(out, "%.6f %.6f %.6f %ld\n", wall, seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_maxrss);
  fclose(out);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
