import FuzzSupport

// A Swift closure, not the @_cdecl function itself: converting that to a C pointer here would
// define LLVMFuzzerTestOneInput a second time.
runFuzzer { fuzzConfig($0, $1) }
