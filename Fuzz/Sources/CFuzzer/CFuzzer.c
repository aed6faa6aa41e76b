// Empty: a C target needs a source file; CFuzzer is its header (include/CFuzzer.h).
