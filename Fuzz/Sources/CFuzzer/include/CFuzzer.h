#ifndef CFUZZER_H
#define CFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt's FuzzerInterface.h), linked by `-sanitize=fuzzer`.
///
/// A SwiftPM executable has a `main` of its own (SwiftPM links `main` to `TARGET_main`), which
/// returns at once instead of running libFuzzer's; so each target's `main.swift` calls this. The
/// targets still define `LLVMFuzzerTestOneInput`, which libFuzzer's unused `main` refers to.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
