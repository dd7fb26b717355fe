// A main() for the fuzz targets when libFuzzer is not available (gcc builds), in the manner of
// libgit2's standalone fuzzers: it replays every file named on the command line, or found under a
// named directory, through LLVMFuzzerTestOneInput, then with --random N --seed S runs N random
// byte-level mutations of those inputs (or of the empty input when there are none). A missing path
// is reported and skipped, so a target without a corpus directory still runs. Runs are
// deterministic for a given corpus and seed. When a target aborts (a failed property), the driver
// writes the input to ./standalone-crash-input and says which one it was.
//   foo_fuzz_replay tests/fuzz/corpus/foo [more paths] [--random 20000] [--seed 1]
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr size_t kMaxLen = 64 * 1024;

// Bytes that matter to the parsers under test, favoured when mutating.
constexpr std::string_view kInteresting = ",= \\\"\n\r#;.-+0123456789eEiutfTFx\t\x00\xff\xc3\xa9";

// The input being run, for the SIGABRT handler.
const std::string* g_current = nullptr;
const char* g_what = "";

void WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

extern "C" void OnAbort(int) {
  if (g_current != nullptr) {
    const char msg[] = "standalone_driver: aborted on ";
    WriteAll(2, msg, sizeof(msg) - 1);
    WriteAll(2, g_what, std::strlen(g_what));
    const char saved[] = "; input saved to ./standalone-crash-input\n";
    WriteAll(2, saved, sizeof(saved) - 1);
    const int fd = open("standalone-crash-input", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      WriteAll(fd, g_current->data(), g_current->size());
      close(fd);
    }
  }
  signal(SIGABRT, SIG_DFL);
  raise(SIGABRT);
}

void RunOne(const std::string& input) {
  g_current = &input;
  // An exact-size heap copy, so that ASan catches reads past the end.
  auto buf = std::make_unique<uint8_t[]>(std::max<size_t>(input.size(), 1));
  std::memcpy(buf.get(), input.data(), input.size());
  LLVMFuzzerTestOneInput(buf.get(), input.size());
  g_current = nullptr;
}

bool ReadFile(const std::filesystem::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

void Collect(const std::string& arg, std::vector<std::string>* corpus) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path path(arg);
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      std::string data;
      if (ReadFile(f, &data)) corpus->push_back(std::move(data));
    }
  } else if (fs::is_regular_file(path, ec)) {
    std::string data;
    if (ReadFile(path, &data)) corpus->push_back(std::move(data));
  } else {
    std::fprintf(stderr, "standalone_driver: skipping missing path %s\n", arg.c_str());
  }
}

std::string Mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  std::string s = corpus.empty() ? std::string() : corpus[rng() % corpus.size()];
  const int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; r++) {
    const size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 8) {
      case 0:  // flip a bit
        if (!s.empty()) s[pos % s.size()] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // overwrite with an interesting byte
        if (!s.empty()) s[pos % s.size()] = kInteresting[rng() % kInteresting.size()];
        break;
      case 2:  // insert interesting bytes
        s.insert(pos, 1 + rng() % 3, kInteresting[rng() % kInteresting.size()]);
        break;
      case 3:  // insert a random byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<char>(rng()));
        break;
      case 4:  // erase a range
        if (!s.empty()) s.erase(pos % s.size(), 1 + rng() % 8);
        break;
      case 5:  // duplicate a range
        if (!s.empty()) {
          const size_t from = rng() % s.size();
          const std::string piece = s.substr(from, 1 + rng() % 16);
          s.insert(pos, piece);
        }
        break;
      case 6:  // splice in part of another input
        if (!corpus.empty()) {
          const std::string& other = corpus[rng() % corpus.size()];
          if (!other.empty()) {
            const size_t from = rng() % other.size();
            s.insert(pos, other.substr(from, 1 + rng() % 32));
          }
        }
        break;
      case 7:  // truncate
        s.resize(pos);
        break;
    }
  }
  if (s.size() > kMaxLen) s.resize(kMaxLen);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus;
  long long random = 0;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; i++) {
    const std::string_view arg = argv[i];
    if ((arg == "--random" || arg == "--seed") && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long long v = std::strtoull(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0') {
        std::fprintf(stderr, "standalone_driver: bad number for %s: %s\n", arg.data(), argv[i]);
        return 2;
      }
      if (arg == "--random") {
        random = static_cast<long long>(v);
      } else {
        seed = v;
      }
    } else if (arg.starts_with("--")) {
      std::fprintf(stderr, "usage: %s [paths...] [--random N] [--seed S]\n", argv[0]);
      return 2;
    } else {
      Collect(argv[i], &corpus);
    }
  }
  signal(SIGABRT, OnAbort);
  g_what = "a corpus input";
  for (const std::string& input : corpus) RunOne(input);
  g_what = "a random mutation";
  std::mt19937_64 rng(seed);
  for (long long i = 0; i < random; i++) {
    const std::string input = Mutate(corpus, rng);
    RunOne(input);
  }
  std::printf(
      "standalone_driver: replayed %zu corpus inputs and %lld random mutations (seed %llu)\n",
      corpus.size(), random, seed);
  return 0;
}
