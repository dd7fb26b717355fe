// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), as
// leveldb's and Abseil's thread_annotations.h define them. Under clang they expand to the attributes
// that `-Wthread-safety` checks (the STRATA_THREAD_SAFETY build makes every finding an error);
// under other compilers to nothing. std::mutex carries no annotations in libstdc++, so the engine
// locks through the annotated Mutex of mutex.h.
#pragma once

#if defined(__clang__)
#define STRATA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define STRATA_THREAD_ANNOTATION(x)
#endif

// A class that is a lock (Mutex) or holds one for a scope (MutexLock).
#define CAPABILITY(name) STRATA_THREAD_ANNOTATION(capability(name))
#define SCOPED_CAPABILITY STRATA_THREAD_ANNOTATION(scoped_lockable)

// A member that may be read or written only with the lock held.
#define GUARDED_BY(mu) STRATA_THREAD_ANNOTATION(guarded_by(mu))
// A pointer member whose pointee may be used only with the lock held.
#define PT_GUARDED_BY(mu) STRATA_THREAD_ANNOTATION(pt_guarded_by(mu))

// Lock order: this lock is taken after (before) the ones named.
#define ACQUIRED_AFTER(...) STRATA_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) STRATA_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))

// A function that must be called with the locks held exclusively (shared), or without them.
#define REQUIRES(...) STRATA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) STRATA_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) STRATA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

// A function that takes or releases a lock and returns with it held (released).
#define ACQUIRE(...) STRATA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) STRATA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) STRATA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) STRATA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) STRATA_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))

// A function that checks, at run time or by construction, that the lock is held.
#define ASSERT_CAPABILITY(x) STRATA_THREAD_ANNOTATION(assert_capability(x))
#define ASSERT_SHARED_CAPABILITY(x) STRATA_THREAD_ANNOTATION(assert_shared_capability(x))

// A function that returns a reference to the given lock.
#define RETURN_CAPABILITY(x) STRATA_THREAD_ANNOTATION(lock_returned(x))

// Turns the analysis off for one function; say why next to each use.
#define NO_THREAD_SAFETY_ANALYSIS STRATA_THREAD_ANNOTATION(no_thread_safety_analysis)
