// Payload layouts of kPlan and kResult (internal to plan_codec; the envelope is plan_codec.cpp's).
#pragma once

#include "runtime/comm/control/wire_buffer.h"
#include "runtime/comm/step_plan.h"

namespace llmc {

void write_plan_payload(const StepPlan& plan, WireWriter& w);
// Fills everything but plan.step_id (the envelope's sequence number).
void read_plan_payload(WireReader& r, StepPlan& plan);

void write_result_payload(const StepResult& result, WireWriter& w);
void read_result_payload(WireReader& r, StepResult& result);

}  // namespace llmc
