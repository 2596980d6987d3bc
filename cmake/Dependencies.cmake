# Every dependency comes from a Debian package (scripts/install-deps.sh); nothing is downloaded at build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(MPI REQUIRED COMPONENTS CXX)
find_package(cppzmq REQUIRED)
# OpenBLAS built on OpenMP, not its pthreads build: our kernels use OpenMP, and with two thread pools on one
# machine each pool's idle threads spin while the other works (measured in docs/perf.md: decode nearly twice
# as fast with the OpenMP build). Debian installs the variants side by side; the OpenMP one is used when present.
set(LLMC_OPENBLAS_OPENMP_PC /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp/pkgconfig)
if(EXISTS ${LLMC_OPENBLAS_OPENMP_PC}/openblas.pc)
  set(ENV{PKG_CONFIG_PATH} "${LLMC_OPENBLAS_OPENMP_PC}:$ENV{PKG_CONFIG_PATH}")
else()
  message(WARNING "OpenBLAS's OpenMP build (Debian package libopenblas-openmp-dev) is missing: using the "
                  "default OpenBLAS, whose own thread pool competes with OpenMP's and slows the CPU engine")
endif()
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
message(STATUS "OpenBLAS: ${OPENBLAS_LINK_LIBRARIES}")
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
if(LLMC_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(LLMC_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# CUDA toolkit + NCCL (the NCCL communicator; later the CUDA backend). AUTO: used when found (the CUDA toolkit in
# /usr/local/cuda, NCCL beside it or in the system); ON: required; OFF: not used.
set(LLMC_WITH_CUDA AUTO CACHE STRING "Build the CUDA parts: AUTO, ON or OFF")
set(LLMC_CUDA_FOUND FALSE)
if(NOT LLMC_WITH_CUDA STREQUAL "OFF")
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  if(CUDAToolkit_FOUND)
    find_path(LLMC_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/include)
    find_library(LLMC_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR} ${CUDAToolkit_LIBRARY_ROOT}/lib
                 ${CUDAToolkit_TARGET_DIR}/lib /usr/lib/x86_64-linux-gnu)
  endif()
  if(CUDAToolkit_FOUND AND LLMC_NCCL_INCLUDE_DIR AND LLMC_NCCL_LIBRARY)
    set(LLMC_CUDA_FOUND TRUE)
    message(STATUS "CUDA ${CUDAToolkit_VERSION} and NCCL (${LLMC_NCCL_LIBRARY}): building the NCCL communicator")
  elseif(LLMC_WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LLMC_WITH_CUDA=ON but the CUDA toolkit or NCCL was not found (CUDAToolkit_ROOT, "
                        "LLMC_NCCL_INCLUDE_DIR, LLMC_NCCL_LIBRARY)")
  else()
    message(STATUS "no CUDA toolkit/NCCL found: building without the NCCL communicator")
  endif()
endif()

# The CUDA backend's kernels (kernels/cuda). What ships runs on any recent data-centre GPU: machine code for
# sm_80 (A100) and sm_90a (H100/H200, Hopper-only instructions allowed), plus compute_80 PTX that newer GPUs
# compile at load. A local build may narrow the list (-DLLMC_CUDA_GENCODE=...) to compile faster.
if(LLMC_CUDA_FOUND)
  set(CMAKE_CUDA_COMPILER ${CUDAToolkit_NVCC_EXECUTABLE})
  set(CMAKE_CUDA_ARCHITECTURES OFF)
  set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 knows no C++20 flag for nvcc; kernels need no more
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  if(CCACHE_PROGRAM)
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  endif()
  # The shared CUDA runtime, as NCCL and cuBLASLt use it (one runtime per process), and the toolkit's library
  # folder on every link line: executables link as C++, so CMake would not add the CUDA implicit directories.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  enable_language(CUDA)
  link_directories(${CUDAToolkit_LIBRARY_DIR})
  set(LLMC_CUDA_GENCODE
      "-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90a,code=sm_90a -gencode=arch=compute_80,code=compute_80"
      CACHE STRING "nvcc -gencode flags for the CUDA kernels")
  set(CMAKE_CUDA_FLAGS "${CMAKE_CUDA_FLAGS} ${LLMC_CUDA_GENCODE} --expt-relaxed-constexpr -lineinfo")
  find_library(LLMC_CUBLASLT_LIBRARY cublasLt HINTS ${CUDAToolkit_LIBRARY_DIR} REQUIRED)
endif()
