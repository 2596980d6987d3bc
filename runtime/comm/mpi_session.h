// MPI for the life of the process: initialised with thread support (the head rank runs its engine, HTTP and
// a local worker on different threads; only one thread at a time calls MPI), finalised on exit. Without mpirun
// this is a singleton world of one rank, so every entry point works the same way.
#pragma once

#include <string>

namespace llmc {

class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  static std::string library_version();
  // Ends every rank of the job now, with `code`: for startup failures some ranks may not know about.
  [[noreturn]] static void abort(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace llmc
