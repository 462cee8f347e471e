// CPU benchmark test app (preview1 command): a fixed, deterministic amount of integer work (a
// prime sieve plus a chained 64-bit hash), about 1 s under Node's V8. Prints
// "checksum=<n>" (always the same number) and exits 0.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIEVE_LIMIT 4000000u
#define SIEVE_ROUNDS 8
#define HASH_ROUNDS 120000000u

// Counts primes below limit and folds them into a hash.
static uint64_t sieve(uint8_t *composite, uint32_t limit) {
  memset(composite, 0, limit);
  uint64_t h = 0;
  for (uint32_t i = 2; i < limit; i++) {
    if (composite[i]) continue;
    h = h * 31 + i;
    for (uint64_t j = (uint64_t)i * i; j < limit; j += i) composite[j] = 1;
  }
  return h;
}

// splitmix64 applied in a dependent chain, so it cannot be vectorised or folded away.
static uint64_t hash_chain(uint64_t x, uint32_t rounds) {
  for (uint32_t i = 0; i < rounds; i++) {
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    x ^= z ^ (z >> 31);
  }
  return x;
}

int main(void) {
  uint8_t *composite = malloc(SIEVE_LIMIT);
  if (!composite) {
    puts("cpu-bench: out of memory");
    return 1;
  }
  uint64_t sum = 0;
  for (int r = 0; r < SIEVE_ROUNDS; r++) sum ^= sieve(composite, SIEVE_LIMIT - (uint32_t)r) + (uint64_t)r;
  sum = hash_chain(sum, HASH_ROUNDS);
  free(composite);
  printf("checksum=%llu\n", (unsigned long long)sum);
  return 0;
}
