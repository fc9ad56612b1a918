/*
 * random — getentropy: fills the buffer (not all bytes equal), two calls
 * give different bytes, 256 bytes is the largest request and 257 fails.
 * Prints yes/no answers and errno names only.
 */
#include "common.h"
#include <unistd.h>

static int all_equal(const unsigned char *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (b[i] != b[0])
            return 0;
    return 1;
}

int main(void)
{
    unsigned char a[64], b[64], big[257];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    int ra = getentropy(a, sizeof a);
    int rb = getentropy(b, sizeof b);
    printf("getentropy(64) twice: %s %s\n", res(ra), res(rb));
    printf("first not all equal: %s\n", all_equal(a, sizeof a) ? "no" : "yes");
    printf("second not all equal: %s\n", all_equal(b, sizeof b) ? "no" : "yes");
    printf("the two differ: %s\n", memcmp(a, b, sizeof a) ? "yes" : "no");
    memset(big, 0, sizeof big);
    printf("getentropy(256): %s\n", res(getentropy(big, 256)));
    printf("256 bytes not all equal: %s\n", all_equal(big, 256) ? "no" : "yes");
    printf("getentropy(257): %s\n", res(getentropy(big, 257)));
    printf("getentropy(0): %s\n", res(getentropy(big, 0)));
    return 0;
}
