#include "daemon/names.h"

#include <array>
#include <mutex>
#include <random>

namespace skiff::daemon {
namespace {

// Skiff's own word lists: adjectives a sailor might use, and people who shaped science and computing.
constexpr std::array<std::string_view, 96> kAdjectives = {
    "able",      "agile",     "amber",     "ample",     "ancient",   "azure",     "balmy",     "bold",
    "brave",     "breezy",    "bright",    "brisk",     "calm",      "candid",    "careful",   "cheerful",
    "civil",     "clever",    "coastal",   "cosmic",    "crisp",     "curious",   "daring",    "deft",
    "eager",     "earnest",   "easy",      "elated",    "even",      "fair",      "faithful",  "fearless",
    "fleet",     "fluent",    "fond",      "frank",     "free",      "fresh",     "gallant",   "gentle",
    "glad",      "golden",    "graceful",  "grand",     "hardy",     "hearty",    "honest",    "humble",
    "jolly",     "keen",      "kind",      "lively",    "loyal",     "lucid",     "lucky",     "mellow",
    "merry",     "mighty",    "modest",    "nimble",    "noble",     "patient",   "placid",    "plucky",
    "polite",    "proud",     "quick",     "quiet",     "radiant",   "rapid",     "ready",     "robust",
    "rosy",      "sage",      "salty",     "serene",    "sharp",     "shiny",     "silent",    "sincere",
    "smooth",    "snug",      "spry",      "steady",    "stellar",   "stoic",     "sturdy",    "sunny",
    "swift",     "tender",    "tidy",      "tranquil",  "trusty",    "vivid",     "warm",      "witty",
};

constexpr std::array<std::string_view, 128> kSurnames = {
    "abel",       "agnesi",     "alhazen",    "ampere",     "archimedes", "aryabhata",  "babbage",
    "backus",     "bardeen",    "bernoulli",  "bohr",       "boole",      "born",       "brahe",
    "cantor",     "carnot",     "cauchy",     "cavendish",  "chandra",    "coulomb",    "curie",
    "dalton",     "darwin",     "dedekind",   "descartes",  "dijkstra",   "dirac",      "doppler",
    "edison",     "einstein",   "engelbart",  "erdos",      "euclid",     "euler",      "faraday",
    "fermat",     "fermi",      "feynman",    "fibonacci",  "fourier",    "franklin",   "fresnel",
    "galileo",    "galois",     "gauss",      "germain",    "gibbs",      "godel",      "goodall",
    "hamilton",   "hamming",    "hawking",    "heisenberg", "hertz",      "hilbert",    "hodgkin",
    "hollerith",  "hopper",     "hubble",     "huygens",    "hypatia",    "jacobi",     "joule",
    "kelvin",     "kepler",     "khayyam",    "knuth",      "kovalevsky", "lagrange",   "lamarr",
    "lamport",    "laplace",    "leavitt",    "leibniz",    "lorentz",    "lovelace",   "maxwell",
    "mcclintock", "meitner",    "mendel",     "mendeleev",  "minsky",     "mirzakhani", "morse",
    "napier",     "nash",       "newton",     "nobel",      "noether",    "ohm",        "pascal",
    "pasteur",    "pauli",      "planck",     "poincare",   "ptolemy",    "raman",      "ramanujan",
    "riemann",    "ritchie",    "rutherford", "sagan",      "schrodinger", "shannon",   "somerville",
    "stallman",   "tesla",      "thompson",   "torvalds",   "turing",     "volta",      "vonneumann",
    "wallace",    "watt",       "weierstrass", "wiles",     "wirth",      "wu",         "yalow",
    "yonath",     "zuse",       "hooke",      "kirch",      "mayer",      "neumann",    "salk",
    "snell",      "stokes",
};

std::mt19937_64& Rng() {
  static std::mt19937_64 rng(std::random_device{}());
  return rng;
}
std::mutex rng_mu;

}  // namespace

std::string NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::lock_guard l(rng_mu);
  for (;;) {
    std::string id(64, '0');
    for (size_t i = 0; i < 64; i += 16) {
      uint64_t v = Rng()();
      for (size_t j = 0; j < 16; ++j) id[i + j] = kHex[(v >> (j * 4)) & 0xf];
    }
    bool digits = true;
    for (size_t i = 0; i < 12; ++i) digits = digits && id[i] >= '0' && id[i] <= '9';
    if (!digits) return id;
  }
}

std::string RandomName(int retry) {
  std::lock_guard l(rng_mu);
  auto& rng = Rng();
  std::string name = std::string(kAdjectives[rng() % kAdjectives.size()]) + "_" +
                     std::string(kSurnames[rng() % kSurnames.size()]);
  if (retry > 0) name += std::to_string(rng() % 10);
  return name;
}

Result<std::string> ValidateName(std::string_view name) {
  std::string_view n = name;
  if (!n.empty() && n[0] == '/') n.remove_prefix(1);
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = n.size() >= 2 && alnum(n[0]);
  for (size_t i = 1; ok && i < n.size(); ++i) ok = alnum(n[i]) || n[i] == '_' || n[i] == '.' || n[i] == '-';
  if (!ok) {
    return Error(Errc::kInvalidArgument,
                 "Invalid container name (" + std::string(name) + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  return std::string(n);
}

}  // namespace skiff::daemon
