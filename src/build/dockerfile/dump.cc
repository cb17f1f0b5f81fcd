// ToJson: the AST as JSON, one object per instruction, the body's fields beside the common ones.
#include "build/dockerfile/dump.h"

namespace skiff::build::dockerfile {

namespace {

Json Cmd(const CommandLine& c) { return Json{{"args", c.args}, {"shell_form", c.shell_form}}; }

Json Pairs(const std::vector<KeyValue>& kvs) {
  Json a = Json::array();
  for (const KeyValue& kv : kvs) a.push_back(Json{{"key", kv.key}, {"value", kv.value}});
  return a;
}

Json Heredocs(const std::vector<Heredoc>& hs) {
  Json a = Json::array();
  for (const Heredoc& h : hs) {
    a.push_back(Json{{"name", h.name}, {"content", h.content}, {"expand", h.expand}, {"chomp", h.chomp}});
  }
  return a;
}

Json OptBool(const std::optional<bool>& b) { return b ? Json(*b) : Json(nullptr); }

Json Mount(const RunMount& m) {
  return Json{{"type", m.type},     {"target", m.target}, {"source", m.source},           {"from", m.from},
              {"id", m.id},         {"mode", m.mode},     {"sharing", m.sharing},         {"readonly", OptBool(m.readonly)},
              {"required", OptBool(m.required)},          {"uid", m.uid},                 {"gid", m.gid},
              {"size", m.size},     {"env", m.env},       {"other", Pairs(m.other)},      {"raw", m.raw}};
}

struct BodyJson {
  Json& j;
  void operator()(const From& f) {
    j["image"] = f.image;
    j["stage_name"] = f.stage_name;
    j["platform"] = f.platform;
  }
  void operator()(const Run& r) {
    j["cmd"] = Cmd(r.cmd);
    Json ms = Json::array();
    for (const RunMount& m : r.mounts) ms.push_back(Mount(m));
    j["mounts"] = ms;
    j["network"] = r.network;
    j["security"] = r.security;
    j["heredocs"] = Heredocs(r.heredocs);
  }
  void operator()(const dockerfile::Cmd& c) { j["cmd"] = Cmd(c.cmd); }
  void operator()(const Entrypoint& e) { j["cmd"] = Cmd(e.cmd); }
  void operator()(const Env& e) { j["pairs"] = Pairs(e.pairs); }
  void operator()(const Label& l) { j["pairs"] = Pairs(l.pairs); }
  void operator()(const Maintainer& m) { j["name"] = m.name; }
  void operator()(const Expose& e) { j["ports"] = e.ports; }
  void operator()(const Arg& a) {
    Json arr = Json::array();
    for (const ArgDecl& d : a.args) arr.push_back(Json{{"key", d.key}, {"value", d.value ? Json(*d.value) : Json(nullptr)}});
    j["args"] = arr;
  }
  void operator()(const Copy& c) {
    j["add"] = c.add;
    j["sources"] = c.sources;
    j["dest"] = c.dest;
    j["from"] = c.from;
    j["chown"] = c.chown;
    j["chmod"] = c.chmod;
    j["checksum"] = c.checksum;
    j["link"] = c.link;
    j["keep_git_dir"] = c.keep_git_dir;
    j["excludes"] = c.excludes;
    j["parents"] = c.parents;
    j["unpack"] = OptBool(c.unpack);
    j["heredocs"] = Heredocs(c.heredocs);
    j["json_form"] = c.json_form;
  }
  void operator()(const Workdir& w) { j["path"] = w.path; }
  void operator()(const User& u) { j["user"] = u.user; }
  void operator()(const Volume& v) { j["paths"] = v.paths; }
  void operator()(const StopSignal& s) { j["signal"] = s.signal; }
  void operator()(const Healthcheck& h) {
    j["none"] = h.none;
    j["cmd"] = Cmd(h.cmd);
    j["interval"] = h.interval;
    j["timeout"] = h.timeout;
    j["start_period"] = h.start_period;
    j["start_interval"] = h.start_interval;
    j["retries"] = h.retries;
  }
  void operator()(const Shell& s) { j["args"] = s.args; }
  void operator()(const OnBuild& o) { j["expression"] = o.expression; }
};

}  // namespace

Json ToJson(const Instruction& in) {
  Json j{{"line", in.line}, {"end_line", in.end_line}, {"keyword", in.keyword}, {"original", in.original}};
  std::visit(BodyJson{j}, in.body);
  return j;
}

Json ToJson(const Dockerfile& df) {
  Json args = Json::array();
  for (const Instruction& in : df.global_args) args.push_back(ToJson(in));
  Json stages = Json::array();
  for (const Stage& s : df.stages) {
    Json ins = Json::array();
    for (const Instruction& in : s.instructions) ins.push_back(ToJson(in));
    stages.push_back(Json{{"from", ToJson(s.from)}, {"instructions", ins}});
  }
  return Json{{"path", df.path},
              {"directives", Json{{"syntax", df.directives.syntax},
                                  {"escape", std::string(1, df.directives.escape)},
                                  {"check", df.directives.check}}},
              {"global_args", args},
              {"stages", stages}};
}

}  // namespace skiff::build::dockerfile
