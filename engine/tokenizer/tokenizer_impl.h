// Internal: the pipeline a Tokenizer owns. Built by tokenizer_load.cpp, run by tokenizer.cpp.
#pragma once

#include <memory>
#include <vector>

#include "engine/tokenizer/added_vocabulary.h"
#include "engine/tokenizer/decoder.h"
#include "engine/tokenizer/model.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/post_processor.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/tokenizer.h"

namespace llmc {

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;        // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;   // may be null
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor; // may be null
  std::unique_ptr<Decoder> decoder;              // may be null
  AddedVocabulary added;
  TokenizerConfig config;
  std::vector<bool> special;                     // by id
  int32_t vocab_size = 0;

  // The token string decode() uses for `id`: the added token's content, else the model's; null if unknown.
  const std::string* token_string(int32_t id) const {
    if (const AddedToken* t = added.find(id)) return &t->content;
    return model->id_to_token(id);
  }
  void encode_segment(std::string_view text, bool at_origin, std::vector<int32_t>& ids) const;
  void encode_words(std::string_view text, bool at_origin, std::vector<int32_t>& ids) const;
};

}  // namespace llmc
