// Hello test app (preview1 command): prints one line and exits 0.
#include <stdio.h>

int main(void) {
  puts("hello from weft");
  return 0;
}
