// Adapts engine/tokenizer's IncrementalDetokenizer to the head's TextStream interface, so the engine loop
// produces text and checks stop strings (EngineConfig::text_streams = make_text_stream_factory(tokenizer)).
#pragma once

#include <memory>

#include "engine/tokenizer/tokenizer.h"
#include "runtime/head/text_stream.h"

namespace llmc {

// Each stream keeps the tokenizer alive; the factory is safe to call from the engine thread.
TextStreamFactory make_text_stream_factory(std::shared_ptr<const Tokenizer> tokenizer);

}  // namespace llmc
