#!/usr/bin/env bash
# rank_exit.sh COMMAND...: runs COMMAND as one MPI rank and writes its exit status to
# $LLMC_RANK_STATUS_DIR/rank-$OMPI_COMM_WORLD_RANK, so a test can tell how every rank ended where mpirun cannot
# say (after its own SIGTERM mpirun exits 1 whatever its ranks did). mpirun signals the rank's whole process
# group; this shell outlives a SIGTERM (a trap, not an ignore, so COMMAND starts with default dispositions)
# and records the status once COMMAND is done.
trap ':' TERM INT
"$@"
status=$?
echo "$status" >"${LLMC_RANK_STATUS_DIR:?}/rank-${OMPI_COMM_WORLD_RANK:-0}"
exit "$status"
