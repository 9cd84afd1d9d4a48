//===- qcc-eval.cpp - evaluate and run compiled language models -----------===//
//
//   qcc-eval MODEL.so --model MODEL.gguf --perplexity TEXT.txt [--ctx N]
//            [--stride N] [--kl-ref REF.so] [--max-text-tokens N]
//   qcc-eval ENCODER.so --embeddings SENTENCES.txt --ref FLOAT.so
//            --tokenizer tokenizer.json [--per-sentence]
//   qcc-eval DECODE.so --model MODEL.gguf --generate PROMPT
//            [--prefill SEQ.so] [--max-tokens N] [--ignore-eos] [--ids]
//
// A thin main over qcc/Eval: the libraries are ones qcc compiled from a GGUF
// model (`--seq=1` decode steps or `--seq=T` sequence graphs), driven
// through their C API; text goes through qcc's own tokenizer, built from the
// GGUF file that --model names (the libraries do not embed it).
//
//===----------------------------------------------------------------------===//

#include "qcc/Eval/Embeddings.h"
#include "qcc/Eval/Generate.h"
#include "qcc/Eval/LlmLibrary.h"
#include "qcc/Eval/Perplexity.h"
#include "qcc/ModelFile/Gguf.h"
#include "qcc/Tokenizer/Tokenizer.h"
#include "qcc/Tokenizer/WordPiece.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace qcc;
namespace cl = llvm::cl;

static cl::OptionCategory category("qcc-eval options");
static cl::opt<std::string> libraryPath(cl::Positional,
                                        cl::desc("<model.so>"),
                                        cl::cat(category));
static cl::opt<std::string>
    ggufPath("model",
             cl::desc("The GGUF file the library was compiled from (its "
                      "tokenizer encodes and decodes the text)"),
             cl::value_desc("model.gguf"), cl::cat(category));
static cl::opt<std::string>
    perplexityText("perplexity",
                   cl::desc("Perplexity of the model on this UTF-8 text"),
                   cl::value_desc("text.txt"), cl::cat(category));
static cl::opt<int64_t> ctx("ctx",
                            cl::desc("Tokens per perplexity window (default: "
                                     "the library's --seq)"),
                            cl::init(0), cl::cat(category));
static cl::opt<int64_t>
    stride("stride", cl::desc("Tokens the window moves by (default: ctx / 2)"),
           cl::init(0), cl::cat(category));
static cl::opt<std::string>
    klRef("kl-ref",
          cl::desc("Also report the mean KL divergence of the model's "
                   "next-token distribution from this reference library's"),
          cl::value_desc("float.so"), cl::cat(category));
static cl::opt<int64_t> maxTextTokens(
    "max-text-tokens",
    cl::desc("Evaluate only the first N tokens of the text (0: all)"),
    cl::init(0), cl::cat(category));
static cl::opt<std::string>
    addBos("add-bos",
           cl::desc("Put the BOS token before the text or prompt: true, "
                    "false, or model (default: tokenizer.ggml.add_bos_token)"),
           cl::init("model"), cl::cat(category));
static cl::opt<std::string>
    generatePrompt("generate",
                   cl::desc("Continue this prompt greedily (the library is "
                            "the decode step; control tokens in the prompt "
                            "are matched)"),
                   cl::value_desc("prompt"), cl::cat(category));
static cl::opt<std::string>
    prefillPath("prefill",
                cl::desc("With --generate: a sequence library (--seq=T) of "
                         "the same model for the prompt"),
                cl::value_desc("seq.so"), cl::cat(category));
static cl::opt<int64_t> maxTokens("max-tokens",
                                  cl::desc("With --generate: tokens to "
                                           "generate at most (default 32)"),
                                  cl::init(32), cl::cat(category));
static cl::opt<bool>
    ignoreEos("ignore-eos",
              cl::desc("With --generate: do not stop at the EOS token"),
              cl::cat(category));
static cl::opt<bool> printIds("ids",
                              cl::desc("With --generate: also print the "
                                       "prompt's and the generated token ids"),
                              cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("No progress lines on stderr"),
                           cl::cat(category));

[[noreturn]] static void fail(const llvm::Twine &msg) {
  llvm::errs() << "qcc-eval: error: " << msg << "\n";
  std::exit(1);
}

template <typename T> static T check(llvm::Expected<T> v) {
  if (!v)
    fail(llvm::toString(v.takeError()));
  return std::move(*v);
}

// Text encoders (libraries compiled from a safetensors BERT).
static cl::opt<std::string> embeddingsText(
    "embeddings",
    cl::desc("Text encoders: mean cosine similarity of the pooled embeddings "
             "of the sentences in this file (one per line) against --ref"),
    cl::value_desc("sentences.txt"), cl::cat(category));
static cl::opt<std::string>
    refPath("ref",
            cl::desc("With --embeddings: the reference library (the float "
                     "model)"),
            cl::value_desc("float.so"), cl::cat(category));
static cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("With --embeddings: the model's WordPiece tokenizer.json or "
             "vocab.txt (or the folder holding it)"),
    cl::value_desc("path"), cl::cat(category));
static cl::opt<bool>
    perSentence("per-sentence",
                cl::desc("With --embeddings: also print each sentence's "
                         "cosine"),
                cl::cat(category));

static int evalEmbeddings() {
  auto error = [](const llvm::Twine &msg) {
    llvm::errs() << "qcc-eval: error: " << msg << "\n";
    return 1;
  };
  if (refPath.empty())
    return error("--embeddings needs --ref FLOAT.so (the library to compare "
                 "with)");
  if (tokenizerPath.empty())
    return error("--embeddings needs --tokenizer (the model's tokenizer.json "
                 "or vocab.txt: the libraries do not embed it)");
  auto tok = tokenizer::WordPieceTokenizer::open(tokenizerPath);
  if (!tok)
    return error(llvm::toString(tok.takeError()));
  auto sentences = eval::readSentences(embeddingsText);
  if (!sentences)
    return error(llvm::toString(sentences.takeError()));
  auto r = eval::compareEmbeddings(libraryPath, refPath, **tok, *sentences);
  if (!r)
    return error(llvm::toString(r.takeError()));
  if (perSentence)
    for (auto [i, c] : llvm::enumerate(r->cosines))
      llvm::outs() << llvm::formatv("sentence {0}: cosine {1}\n", i + 1,
                                    llvm::format("%.6f", c));
  llvm::outs() << llvm::formatv("mean cosine: {0}\n",
                                llvm::format("%.6f", r->meanCosine));
  llvm::outs() << llvm::formatv(
      "sentences: {0} (min cosine {1}, {2} cut to the sequence length), "
      "model {3} s, reference {4} s\n",
      r->cosines.size(), llvm::format("%.6f", r->minCosine), r->truncated,
      llvm::format("%.2f", r->modelSeconds),
      llvm::format("%.2f", r->refSeconds));
  return 0;
}

static std::string idList(llvm::ArrayRef<int32_t> ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i)
    s += (i ? " " : "") + std::to_string(ids[i]);
  return s;
}

static int runPerplexity(eval::LlmLibrary &model,
                         const tokenizer::Tokenizer &tok, bool bos) {
  auto text = llvm::MemoryBuffer::getFile(perplexityText, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!text)
    fail("cannot read '" + perplexityText + "': " + text.getError().message());
  auto start = std::chrono::steady_clock::now();
  // Plain text: control tokens spelled in it are text, not control.
  std::vector<int32_t> tokens =
      tok.encode((*text)->getBuffer(), bos, /*parseSpecial=*/false);
  double tokenizeSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  int64_t textTokens = (int64_t)tokens.size();
  if (maxTextTokens > 0 && (int64_t)tokens.size() > maxTextTokens)
    tokens.resize(maxTextTokens);
  std::unique_ptr<eval::LlmLibrary> ref;
  if (!klRef.empty())
    ref = check(eval::LlmLibrary::load(klRef));

  eval::PerplexityOptions options;
  options.context = ctx;
  options.stride = stride;
  bool tty = llvm::errs().is_displayed();
  auto progress = [&](int64_t done, int64_t total,
                      const eval::PerplexityResult &r) {
    if (quiet)
      return;
    llvm::errs() << (tty ? "\r" : "") << "[eval] window " << done << "/"
                 << total
                 << llvm::format(": perplexity %.4f over %lld tokens, %.1f s",
                                 r.perplexity, (long long)r.scoredTokens,
                                 r.seconds);
    if (r.hasReference)
      llvm::errs() << llvm::format(", KL %.6f", r.meanKl);
    llvm::errs() << (tty && done < total ? "" : "\n");
    llvm::errs().flush();
  };
  eval::PerplexityResult r = check(eval::evaluatePerplexity(
      model, ref.get(), tokens, options, progress));
  llvm::outs() << "text: " << perplexityText << ", " << textTokens
               << " tokens"
               << llvm::format(" (tokenized in %.2f s)", tokenizeSeconds)
               << (bos ? ", BOS first" : "") << "\n";
  llvm::outs() << "evaluated: " << tokens.size() << " tokens, "
               << r.scoredTokens << " scored, " << r.windows
               << " windows (ctx " << r.context << ", stride " << r.stride
               << ")\n";
  llvm::outs() << llvm::format("perplexity: %.6f\n", r.perplexity);
  llvm::outs() << llvm::format("mean_nll: %.6f\n", r.meanNll);
  if (r.hasReference) {
    llvm::outs() << llvm::format("kl_divergence: %.8f\n", r.meanKl);
    llvm::outs() << llvm::format("kl_divergence_max: %.8f\n", r.maxKl);
    llvm::outs() << llvm::format("top1_agreement: %.6f\n", r.top1Agreement);
  }
  llvm::outs() << llvm::format("time: %.2f s (%.3f s per window)\n",
                               r.seconds, r.seconds / (double)r.windows);
  return 0;
}

static int runGenerate(eval::LlmLibrary &decode,
                       const tokenizer::Tokenizer &tok, bool bos) {
  if (maxTokens < 1)
    fail("--max-tokens must be at least 1");
  std::vector<int32_t> prompt = tok.encode(generatePrompt, bos);
  std::unique_ptr<eval::LlmLibrary> prefill;
  if (!prefillPath.empty())
    prefill = check(eval::LlmLibrary::load(prefillPath));
  eval::GenerateOptions options;
  options.maxTokens = maxTokens;
  if (!ignoreEos)
    options.stopToken = tok.getEosId();
  // Stream the text as it comes; a character split across tokens is
  // written once its bytes are complete in the decoded prefix.
  std::vector<int32_t> generated;
  size_t written = 0;
  auto onToken = [&](int32_t id) {
    generated.push_back(id);
    std::string text = check(tok.decode(generated, /*skipSpecial=*/false));
    llvm::outs() << llvm::StringRef(text).drop_front(written);
    llvm::outs().flush();
    written = text.size();
  };
  eval::GenerateResult r = check(eval::generateGreedy(
      prefill.get(), decode, prompt, options, onToken));
  llvm::outs() << "\n";
  if (printIds) {
    llvm::outs() << "prompt_ids: " << idList(prompt) << "\n";
    llvm::outs() << "generated_ids: " << idList(r.tokens) << "\n";
  }
  if (!quiet) {
    llvm::errs() << llvm::format(
        "[eval] prompt: %zu tokens in %.3f s (%lld sequence runs, %lld "
        "decode steps); generated %zu tokens in %.3f s (%.1f ms/token); "
        "stopped: %s\n",
        prompt.size(), r.prefillSeconds, (long long)r.prefillRuns,
        (long long)(r.decodeSteps - (int64_t)r.tokens.size() + 1),
        r.tokens.size(), r.decodeSeconds,
        1e3 * r.decodeSeconds / std::max<size_t>(1, r.tokens.size()),
        r.stopReason.c_str());
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "qcc-eval: perplexity, KL divergence and greedy generation of "
          "language models compiled by qcc\n\n"
          "  qcc-eval seq.so --model m.gguf --perplexity text.txt --ctx 512 "
          "--stride 256\n"
          "  qcc-eval decode.so --model m.gguf --generate 'Once upon' "
          "--prefill seq.so\n"
          "  qcc-eval w8a8.so --embeddings sentences.txt --ref float.so "
          "--tokenizer DIR\n",
          &llvm::errs()))
    return 1;
  if (libraryPath.empty())
    fail("no model library (usage: qcc-eval model.so --model model.gguf "
         "--perplexity text.txt; see --help)");
  if (!embeddingsText.empty()) {
    if (!perplexityText.empty() || !generatePrompt.empty() ||
        !ggufPath.empty())
      fail("--embeddings (text encoders) does not combine with --model, "
           "--perplexity or --generate");
    return evalEmbeddings();
  }
  if (!refPath.empty() || !tokenizerPath.empty() || perSentence)
    fail("--ref, --tokenizer and --per-sentence apply to --embeddings");
  if (perplexityText.empty() == generatePrompt.empty())
    fail("give one of --perplexity=TEXT.txt or --generate=PROMPT");
  if (ggufPath.empty())
    fail("--model=MODEL.gguf is needed: its tokenizer encodes the text");
  if (!generatePrompt.empty() && (!klRef.empty() || ctx || stride))
    fail("--kl-ref, --ctx and --stride apply to --perplexity");
  if (perplexityText.empty() == false &&
      (!prefillPath.empty() || ignoreEos || printIds))
    fail("--prefill, --ignore-eos and --ids apply to --generate");
  if (ctx < 0 || stride < 0 || maxTextTokens < 0)
    fail("--ctx, --stride and --max-text-tokens must not be negative");

  auto file = modelfile::GgufFile::open(ggufPath);
  if (!file)
    fail(ggufPath + ": " + llvm::toString(file.takeError()));
  auto tokOr = tokenizer::Tokenizer::create(**file);
  if (!tokOr)
    fail(ggufPath + ": " + llvm::toString(tokOr.takeError()));
  auto tok = std::move(*tokOr);
  bool bos;
  if (addBos == "model")
    bos = tok->getAddBos();
  else if (addBos == "true" || addBos == "false")
    bos = addBos == "true";
  else
    fail("--add-bos must be true, false or model, got '" + addBos + "'");
  auto model = check(eval::LlmLibrary::load(libraryPath));
  if (model->getVocabSize() != (int64_t)tok->getVocabSize())
    fail(llvm::formatv("'{0}' has a vocabulary of {1}, the tokenizer of "
                       "'{2}' {3}: not the same model",
                       libraryPath, model->getVocabSize(), ggufPath,
                       tok->getVocabSize())
             .str());
  return perplexityText.empty() ? runGenerate(*model, *tok, bos)
                                : runPerplexity(*model, *tok, bos);
}
