// The options every binary of a sanitizer tree (VOIP_SANITIZER in CMakeLists.txt) starts with:
// the sanitizer runtimes read these before the environment, so ASAN_OPTIONS, UBSAN_OPTIONS and
// TSAN_OPTIONS still override them one by one.
//
// Every report goes to a file in the tree's sanitizer-reports/ folder (log_path), never only to
// stderr: a report from a child process (the adapter or simulator binary a test starts, whose
// output the test may not read) must not be lost. The sanitizer_reports_none test fails when
// that folder holds anything, and prints it.
#ifndef VOIP_SANITIZER_REPORTS
#error "VOIP_SANITIZER_REPORTS (the reports folder) is set by CMakeLists.txt"
#endif

#define VOIP_SANITIZER_HOOK extern "C" __attribute__((visibility("default"), used)) const char*

#if defined(VOIP_SANITIZER_ADDRESS)
// The first error ends the process (UBSan's too: -fno-sanitize-recover=all); leaks are errors.
VOIP_SANITIZER_HOOK __asan_default_options() {
  return "log_path=" VOIP_SANITIZER_REPORTS
         "/asan:log_exe_name=1:detect_leaks=1:"
         "detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1";
}
VOIP_SANITIZER_HOOK __ubsan_default_options() {
  return "log_path=" VOIP_SANITIZER_REPORTS "/ubsan:log_exe_name=1:print_stacktrace=1:halt_on_error=1";
}
#elif defined(VOIP_SANITIZER_THREAD)
// The first report ends the process; tsan.supp holds the few reports that are not ours to fix.
VOIP_SANITIZER_HOOK __tsan_default_options() {
  return "log_path=" VOIP_SANITIZER_REPORTS
         "/tsan:log_exe_name=1:halt_on_error=1:"
         "second_deadlock_stack=1:suppressions=" VOIP_TSAN_SUPPRESSIONS;
}
#endif
