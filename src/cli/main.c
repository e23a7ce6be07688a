/* The `metaleak` command: dispatch, --help and --version. Each command parses its own options
 * and prints one message naming the file for unusable input. */
#include <stdio.h>
#include <string.h>

#include "metaleak/cli.h"
#include "metaleak/version.h" /* ML_VERSION, generated from CMakeLists.txt project() */

static void usage(FILE *out)
{
    fputs("usage: metaleak COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Reads the reports of the metaleak agent (a JVMTI agent that finds Metaspace and\n"
          "class-loader leaks in Apache Flink) and loads the agent into running JVMs.\n"
          "\n"
          "commands:\n"
          "  summary REPORT...     the worst verdict and what to do first; one block per leak\n"
          "  html [-o FILE] REPORT...  one self-contained HTML page: Metaspace chart, leak paths\n"
          "  check REPORT          CI gate: exit 1 when a limit is exceeded, 2 when undecided\n"
          "  diff OLD NEW          new and fixed leaks, growth; exit 1 when new leaks appeared\n"
          "  attach PID [OPTIONS]  load the agent into a running JVM (no jcmd needed)\n"
          "  collect JM_URL        fetch every TaskManager's report via Flink's REST API\n"
          "\n"
          "`metaleak COMMAND --help` describes a command. Exit codes: 0 fine; 1 a limit exceeded,\n"
          "new leaks (diff) or a failure; 2 unusable input, a usage error, or a report that\n"
          "cannot answer the gate (check).\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return ML_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return ML_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("metaleak %s (reads metaleak-report/1)\n", ML_VERSION);
        return ML_EXIT_OK;
    }
    if (strcmp(argv[1], "summary") == 0)
        return ml_cli_summary(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return ml_cli_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "diff") == 0)
        return ml_cli_diff(argc - 1, argv + 1);
    if (strcmp(argv[1], "attach") == 0)
        return ml_cli_attach(argc - 1, argv + 1);
    if (strcmp(argv[1], "collect") == 0)
        return ml_cli_collect(argc - 1, argv + 1);
    if (strcmp(argv[1], "html") == 0)
        return ml_cli_html(argc - 1, argv + 1);
    fprintf(stderr, "metaleak: unknown command '%s' (commands: summary, html, check, diff, "
                    "attach, collect; see metaleak --help)\n",
            argv[1]);
    return ML_EXIT_USAGE;
}
