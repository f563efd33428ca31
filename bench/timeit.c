/* timeit.c — run a command several times; print each run's wall time and the
 * peak RSS, for bench/run.sh.  Built by run.sh into bench/work/bin/timeit.
 *
 *   timeit [-l LABEL] [-n RUNS] [-w WARMUP] [-o OUT] [-u UNTIL] [-s START] [-b SECS] -- CMD [ARG ...]
 *
 * WARMUP untimed runs, then RUNS timed runs (with -u: timed runs until the
 * file UNTIL exists, at least one; with -b: no more runs once at least two
 * timed runs took more than SECS seconds together; with -s: first wait until
 * the file START exists).  The first run's stdout goes to OUT (when
 * given), every other run's to /dev/null; stdin is /dev/null; stderr is passed
 * through.  Prints, tab-separated,
 *
 *   time    LABEL  SECONDS      one line per timed run (wall clock, monotonic)
 *   rss_kb  LABEL  KB           the largest ru_maxrss of any run (wait4)
 *
 * Exit status 0, or 1 when a run failed (its status is printed to stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One run: returns the child's wait status; *secs and *rss_kb filled. */
static int run(char **argv, const char *out, double *secs, long *rss_kb)
{
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		exit(1);
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || fd < 0) {
			perror("timeit: open");
			_exit(127);
		}
		dup2(in, 0);
		dup2(fd, 1);
		close(in);
		close(fd);
		execvp(argv[0], argv);
		fprintf(stderr, "timeit: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		exit(1);
	}
	*secs = now() - t0;
	*rss_kb = ru.ru_maxrss;
	return status;
}

int main(int argc, char **argv)
{
	const char *label = "run", *out = NULL, *until = NULL, *start = NULL;
	int runs = 1, warmup = 0, c;
	double budget = 0, spent = 0;
	while ((c = getopt(argc, argv, "+l:n:w:o:u:s:b:")) != -1) {
		switch (c) {
		case 'l': label = optarg; break;
		case 'n': runs = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'u': until = optarg; break;
		case 'b': budget = atof(optarg); break;
		case 's': start = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	char **cmd = argv + optind;
	while (start && access(start, F_OK) != 0)
		usleep(1000);
	long rss_max = 0;
	int failed = 0;
	for (int i = 0; !failed; i++) {
		int timed = i >= warmup;
		if (until ? (i > warmup && access(until, F_OK) == 0) : i >= warmup + runs)
			break;
		if (budget > 0 && i >= warmup + 2 && spent > budget)
			break;
		double secs;
		long rss;
		int st = run(cmd, i == 0 ? out : NULL, &secs, &rss);
		if (rss > rss_max)
			rss_max = rss;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "timeit: %s: %s %d\n", label,
				WIFEXITED(st) ? "exit status" : "killed by signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			failed = 1;
		} else if (timed) {
			printf("time\t%s\t%.9f\n", label, secs);
			spent += secs;
		}
	}
	printf("rss_kb\t%s\t%ld\n", label, rss_max);
	return failed;
usage:
	fprintf(stderr, "usage: timeit [-l LABEL] [-n RUNS] [-w WARMUP] [-o OUT] [-u UNTIL] [-s START] [-b SECS] -- CMD [ARG ...]\n");
	return 2;
}
