// Trap test app (preview1 command): prints a line, then executes `unreachable` inside a named,
// non-inlined function (weft_trap_here) so trap reports can show that name.
#include <stdio.h>

__attribute__((noinline, noreturn)) void weft_trap_here(void) { __builtin_trap(); }

int main(void) {
  puts("about to trap");
  fflush(stdout);
  weft_trap_here();
}
