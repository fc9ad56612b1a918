/*
 * spin — prints a line, then loops forever without calling the host. Only
 * the host's --fuel or --timeout can stop it: it must then exit with a
 * failure status and say why on stderr.
 */
#include "common.h"

int main(void)
{
    puts("spinning");
    fflush(stdout);
    volatile unsigned long n = 0;
    for (;;)
        n++;
}
