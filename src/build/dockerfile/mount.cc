// RUN --mount: CSV fields -> RunMount, Docker's checks.
#include "build/dockerfile/mount.h"

#include <fmt/format.h>

#include "base/units.h"

namespace skiff::build::dockerfile {

namespace {

Error Invalid(std::string msg) { return Error(Errc::kInvalidArgument, std::move(msg)); }

// One CSV record as Go's encoding/csv reads it with its defaults (',' separator, strict quotes).
Result<std::vector<std::string>> CsvFields(std::string_view s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t i = 0;
  for (;;) {
    std::string field;
    if (i < s.size() && s[i] == '"') {
      size_t start_col = i + 1;
      ++i;
      for (;;) {
        if (i >= s.size()) {
          return Invalid(fmt::format("parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                                     s.size() + 1 > start_col ? s.size() + 1 : start_col));
        }
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          if (i < s.size() && s[i] != ',') {
            return Invalid(
                fmt::format("parse error on line 1, column {}: extraneous or missing \" in quoted-field", i + 1));
          }
          break;
        }
        field += s[i++];
      }
    } else {
      size_t j = i;
      while (j < s.size() && s[j] != ',') {
        if (s[j] == '"') {
          return Invalid(fmt::format("parse error on line 1, column {}: bare \" in non-quoted-field", j + 1));
        }
        ++j;
      }
      field.assign(s.substr(i, j - i));
      i = j;
    }
    out.push_back(std::move(field));
    if (i >= s.size()) return out;
    ++i;  // ','
    if (i == s.size()) {
      out.emplace_back();
      return out;
    }
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Go's strconv.ParseBool.
std::optional<bool> ParseBool(std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False") return false;
  return std::nullopt;
}

bool ParseUintBase(std::string_view v, int base, uint64_t* out) {
  if (v.empty()) return false;
  uint64_t x = 0;
  for (char c : v) {
    int d = c >= '0' && c <= '9' ? c - '0' : -1;
    if (d < 0 || d >= base) return false;
    if (x > (0xFFFFFFFFull - d) / base) return false;  // 32-bit range, as Docker parses these
    x = x * base + d;
  }
  *out = x;
  return true;
}

// Records a field without checking it (parse time: values may hold unexpanded $VARs).
void Record(RunMount& m, const std::string& key, const std::string& value, bool has_value) {
  if (!has_value) {
    if (key == "ro" || key == "readonly") {
      m.readonly = true;
    } else if (key == "rw" || key == "readwrite") {
      m.readonly = false;
    } else if (key == "required") {
      m.required = true;
    } else {
      m.other.push_back({key, ""});
    }
    return;
  }
  if (key == "type") {
    m.type = value;
  } else if (key == "from") {
    m.from = value;
  } else if (key == "source" || key == "src") {
    m.source = value;
  } else if (key == "target" || key == "dst" || key == "destination") {
    m.target = value;
  } else if (key == "readonly" || key == "ro") {
    if (auto b = ParseBool(value)) m.readonly = *b;
  } else if (key == "readwrite" || key == "rw") {
    if (auto b = ParseBool(value)) m.readonly = !*b;
  } else if (key == "required") {
    if (auto b = ParseBool(value)) m.required = *b;
  } else if (key == "size") {
    m.size = value;
  } else if (key == "id") {
    m.id = value;
  } else if (key == "sharing") {
    m.sharing = value;
  } else if (key == "mode") {
    m.mode = value;
  } else if (key == "uid") {
    m.uid = value;
  } else if (key == "gid") {
    m.gid = value;
  } else if (key == "env") {
    m.env = value;
  } else {
    m.other.push_back({key, value});
  }
}

}  // namespace

Result<RunMount> ParseRunMount(std::string_view value, const WordExpander* expand) {
  auto fields = CsvFields(value);
  if (!fields.ok()) return Invalid("failed to parse csv mounts: " + fields.error().message());
  RunMount m;
  m.raw = std::string(value);
  bool ro_auto = true;
  for (const std::string& field : *fields) {
    size_t eq = field.find('=');
    bool has_value = eq != std::string::npos;
    std::string key = Lower(field.substr(0, eq));
    std::string v = has_value ? field.substr(eq + 1) : "";
    bool secret_or_ssh = m.type == "secret" || m.type == "ssh";
    if (expand == nullptr) {
      if (has_value && key == "from") {
        size_t d = v.find('$');
        if (d != std::string::npos && d != v.size() - 1) {
          return Invalid("'from' doesn't support variable expansion, define alias stage instead");
        }
      }
      Record(m, key, v, has_value);
      continue;
    }
    if (!has_value) {
      if (key == "readonly" || key == "ro") {
        m.readonly = true;
        ro_auto = false;
      } else if (key == "readwrite" || key == "rw") {
        m.readonly = false;
        ro_auto = false;
      } else if (key == "required") {
        if (!secret_or_ssh) return Invalid(fmt::format("unexpected key '{}' for mount type '{}'", key, m.type));
        m.required = true;
      } else {
        return Invalid(fmt::format("invalid field '{}' must be a key=value pair", field));
      }
      continue;
    }
    v = SKIFF_TRY((*expand)(v));
    if (key == "type") {
      std::string t = Lower(v);
      if (t != "bind" && t != "cache" && t != "tmpfs" && t != "secret" && t != "ssh") {
        return Invalid(fmt::format("unsupported mount type \"{}\"", v));
      }
      m.type = t;
    } else if (key == "from") {
      m.from = v;
    } else if (key == "source" || key == "src") {
      m.source = v;
    } else if (key == "target" || key == "dst" || key == "destination") {
      m.target = v;
    } else if (key == "readonly" || key == "ro" || key == "readwrite" || key == "rw") {
      auto b = ParseBool(v);
      if (!b) return Invalid(fmt::format("invalid value for {}: {}", key, v));
      m.readonly = (key == "readonly" || key == "ro") ? *b : !*b;
      ro_auto = false;
    } else if (key == "required") {
      if (!secret_or_ssh) return Invalid(fmt::format("unexpected key '{}' for mount type '{}'", key, m.type));
      auto b = ParseBool(v);
      if (!b) return Invalid(fmt::format("invalid value for {}: {}", key, v));
      m.required = *b;
    } else if (key == "size") {
      if (m.type != "tmpfs") return Invalid(fmt::format("unexpected key '{}' for mount type '{}'", key, m.type));
      if (!units::RAMInBytes(v).ok()) return Invalid(fmt::format("invalid value for {}: {}", key, v));
      m.size = v;
    } else if (key == "id") {
      m.id = v;
    } else if (key == "sharing") {
      std::string sh = Lower(v);
      if (sh != "shared" && sh != "private" && sh != "locked") {
        return Invalid(fmt::format("unsupported sharing value \"{}\"", v));
      }
      m.sharing = sh;
    } else if (key == "mode" || key == "uid" || key == "gid") {
      uint64_t n;
      if (!ParseUintBase(v, key == "mode" ? 8 : 10, &n)) return Invalid(fmt::format("invalid value {} for {}", v, key));
      (key == "mode" ? m.mode : key == "uid" ? m.uid : m.gid) = v;
    } else if (key == "env") {
      m.env = v;
    } else {
      return Invalid(fmt::format("unexpected key '{}' in '{}'", key, field));
    }
  }
  if (expand == nullptr) return m;

  bool file_info_allowed = m.type == "secret" || m.type == "ssh" || m.type == "cache";
  if (!file_info_allowed) {
    if (!m.mode.empty()) return Invalid(fmt::format("mode not allowed for \"{}\" type mounts", m.type));
    if (!m.uid.empty()) return Invalid(fmt::format("uid not allowed for \"{}\" type mounts", m.type));
    if (!m.gid.empty()) return Invalid(fmt::format("gid not allowed for \"{}\" type mounts", m.type));
  }
  if (ro_auto) m.readonly = !(m.type == "cache" || m.type == "tmpfs");
  if (m.type == "secret") {
    if (!m.from.empty()) return Invalid("secret mount should not have a from");
    if (!m.sharing.empty()) return Invalid("secret mount should not define sharing");
    if (m.source.empty() && m.target.empty() && m.id.empty()) {
      return Invalid("invalid secret mount. one of source, target required");
    }
    if (!m.source.empty() && !m.id.empty()) return Invalid("both source and id can't be set");
  }
  if (!m.sharing.empty() && m.type != "cache") {
    return Invalid(fmt::format("invalid cache sharing set for {} mount", m.type));
  }
  return m;
}

}  // namespace skiff::build::dockerfile
