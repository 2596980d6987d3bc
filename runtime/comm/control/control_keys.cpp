// generate_curve_keys (control_plane.h).
#include <zmq.h>

#include "common/check.h"
#include "runtime/comm/control/control_plane.h"
#include "runtime/comm/control/control_sockets.h"

namespace llmc {

CurveKeys generate_curve_keys() {
  control::require_curve();
  char public_key[41] = {};
  char secret_key[41] = {};
  LLMC_CHECK(zmq_curve_keypair(public_key, secret_key) == 0)
      << "generating a CURVE key pair failed: " << zmq_strerror(zmq_errno());
  return CurveKeys{public_key, secret_key};
}

}  // namespace llmc
