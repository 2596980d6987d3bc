#include "runtime/head/tools/format_parsers.h"

namespace llmc::tools {
namespace {

constexpr std::string_view kPythonTag = "<|python_tag|>";

}  // namespace

// ---- hermes: content <tool_call> {call} </tool_call> ...
// -------------------------------------------------------

void HermesParser::on_byte(char c, OutputDelta& out) {
  switch (state_) {
    case State::kContent:
      if (content_.feed(c, out.content) == 0) {
        pending_raw_ = content_.dropped_space() + "<tool_call>";
        reader_ = std::make_unique<CallObjectReader>(num_calls_, false);
        state_ = State::kInCall;
      }
      return;
    case State::kInCall:
      if (feed_reader(c, out) && !passthrough_) state_ = State::kAfterObject;
      return;
    case State::kAfterObject:
      // Anything between the object and </tool_call> other than whitespace is content (nothing is dropped).
      if (close_.feed(c, out.content) == 0) state_ = State::kContent;
      return;
  }
}

void HermesParser::on_end(OutputDelta& out) {
  switch (state_) {
    case State::kContent:
      content_.flush(out.content, num_calls_ > 0);
      return;
    case State::kInCall:
      end_inside_call(out);
      return;
    case State::kAfterObject:  // an unclosed last block is a complete call; a partial "</tool_call>" is
                               // dropped
      return;
  }
}

// ---- mistral: content [TOOL_CALLS] [{call}, {call}]
// ---------------------------------------------------------------

void MistralParser::on_byte(char c, OutputDelta& out) {
  switch (state_) {
    case State::kContent:
      if (content_.feed(c, out.content) == 0) {
        pending_raw_ = content_.dropped_space() + "[TOOL_CALLS]";
        state_ = State::kAfterMarker;
      }
      return;
    case State::kAfterMarker:
      if (is_space(c)) {
        pending_raw_ += c;
      } else if (c == '[') {
        pending_raw_ += c;
        in_array_ = true;
        state_ = State::kArrayNext;
      } else if (c == '{') {
        in_array_ = false;
        state_ = State::kInCall;
        start_reader(c, false, out);
      } else {
        pass_through(c, out);
      }
      return;
    case State::kArrayNext:
      if (is_space(c)) {
        pending_raw_ += c;
      } else if (c == '{') {
        state_ = State::kInCall;
        start_reader(c, false, out);
      } else if (c == ']') {
        pending_raw_.clear();
        state_ = State::kContent;
      } else {
        pass_through(c, out);
      }
      return;
    case State::kInCall:
      if (feed_reader(c, out) && !passthrough_) state_ = in_array_ ? State::kArrayAfter : State::kContent;
      return;
    case State::kArrayAfter:
      if (is_space(c) || c == ',') {
        pending_raw_ += c;
        if (c == ',') state_ = State::kArrayNext;
      } else if (c == ']') {
        pending_raw_.clear();
        state_ = State::kContent;
      } else {
        pass_through(c, out);
      }
      return;
  }
}

void MistralParser::on_end(OutputDelta& out) {
  switch (state_) {
    case State::kContent:
      content_.flush(out.content, num_calls_ > 0);
      return;
    case State::kInCall:
      end_inside_call(out);
      return;
    default:  // after [TOOL_CALLS] with no call yet, the marker is content; between calls, structure
      if (num_calls_ == 0) out.content += pending_raw_;
      pending_raw_.clear();
      return;
  }
}

// ---- llama3_json: [<|python_tag|>] {call} [; {call}]...
// ------------------------------------------------------------

void Llama3JsonParser::on_byte(char c, OutputDelta& out) {
  switch (state_) {
    case State::kStart: {
      // pending_raw_ holds leading whitespace, then as much of <|python_tag|> as has come.
      const size_t tag_len =
          pending_raw_.find('<') == std::string::npos ? 0 : pending_raw_.size() - pending_raw_.find('<');
      if (tag_len == 0 && is_space(c)) {
        pending_raw_ += c;
      } else if (tag_len == 0 && c == '{') {
        state_ = State::kInCall;
        start_reader(c, true, out);
      } else if (tag_len < kPythonTag.size() && kPythonTag[tag_len] == c) {
        pending_raw_ += c;
        if (tag_len + 1 == kPythonTag.size()) state_ = State::kExpectObject;
      } else {
        pass_through(c, out);  // not a call: the whole output is content
      }
      return;
    }
    case State::kExpectObject:
      if (is_space(c)) {
        pending_raw_ += c;
      } else if (c == '{') {
        state_ = State::kInCall;
        start_reader(c, true, out);
      } else {
        pass_through(c, out);
      }
      return;
    case State::kInCall:
      if (feed_reader(c, out) && !passthrough_) state_ = State::kAfterObject;
      return;
    case State::kAfterObject:
      if (is_space(c)) {
        pending_raw_ += c;
      } else if (c == ';') {
        pending_raw_ += c;
        state_ = State::kExpectObject;
      } else {
        pending_raw_.clear();  // whitespace after a call is not content
        pass_through(c, out);
      }
      return;
  }
}

void Llama3JsonParser::on_end(OutputDelta& out) {
  switch (state_) {
    case State::kInCall:
      end_inside_call(out);
      return;
    case State::kStart:
    case State::kExpectObject:
      if (num_calls_ == 0) out.content += pending_raw_;
      pending_raw_.clear();
      return;
    case State::kAfterObject:
      return;
  }
}

}  // namespace llmc::tools
