#include "runtime/comm/mpi_session.h"

#include <mpi.h>

#include <cstdlib>

#include "common/check.h"

namespace llmc {

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
  LLMC_CHECK(provided >= MPI_THREAD_SERIALIZED)
      << "the MPI library provides thread level " << provided << "; llm-cluster needs MPI_THREAD_SERIALIZED or better";
  // Errors come back as codes (checked by our wrappers) instead of aborting inside MPI with no context.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

std::string MpiSession::library_version() {
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  std::string v(version, len);
  const auto comma = v.find(',');
  return comma == std::string::npos ? v : v.substr(0, comma);
}

void MpiSession::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace llmc
