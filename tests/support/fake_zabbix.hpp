// A fake Zabbix 6.0 JSON-RPC API as an http::Transport for unit tests of the console add-on,
// holding state for the calls the add-on uses (api/console-zabbix.md §2.2): user.login,
// get/create/update/delete of host groups, user groups, users, actions, hosts, templates and
// host macros. Duplicate names fail with -32602 "… already exists."; secret macro values are
// never returned. Faults: the console down (connect failure), slow (timeout), a reply lost
// after the change was made (drop_after_commit), sessions expired. Every request is kept.
// Header-only so that no build file changes.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/json.hpp"

namespace pm::test {

class FakeZabbix : public http::Transport {
public:
    struct Object {
        std::string id;
        std::map<std::string, std::string> fields; // name, status, users_status, value…
        std::set<std::string> groups;              // hosts: host group ids
        std::string parent;                        // macros: host id
    };
    // kind ("hostgroup", "usergroup", "user", "action", "host", "template", "usermacro") → objects
    std::map<std::string, std::vector<Object>> objects;
    std::vector<http::Request> requests;
    std::vector<std::string> methods; // of every request, in order
    bool down = false;
    bool slow = false;
    std::set<std::string> drop_after_commit; // methods whose next reply is lost after commit

    FakeZabbix() { add("template", {{"host", "Linux by Zabbix agent active"}}); }

    http::Response perform(const http::Request& request, std::chrono::milliseconds) override {
        requests.push_back(request);
        http::Response response;
        if (down) {
            response.failure =
                http::TransportFailure{http::TransportFailure::Kind::connect, "connection refused"};
            return response;
        }
        if (slow) {
            response.failure =
                http::TransportFailure{http::TransportFailure::Kind::timeout, "timed out"};
            return response;
        }
        const auto doc = json::parse(request.body, "fake zabbix request");
        const auto method = doc.root().at("method").as_string();
        methods.push_back(method);
        response.status = 200;
        response.body = answer(method, doc.root());
        if (drop_after_commit.erase(method) > 0) {
            response = {};
            response.failure =
                http::TransportFailure{http::TransportFailure::Kind::dropped, "reply lost"};
        }
        return response;
    }

    void expire_sessions() { m_sessions.clear(); }

    [[nodiscard]] const Object* find(const std::string& kind, const std::string& field,
                                     const std::string& value) const {
        const auto at = objects.find(kind);
        if (at == objects.end()) {
            return nullptr;
        }
        for (const auto& o : at->second) {
            if (o.fields.count(field) > 0 && o.fields.at(field) == value) {
                return &o;
            }
        }
        return nullptr;
    }
    [[nodiscard]] std::size_t count(const std::string& kind) const {
        const auto at = objects.find(kind);
        return at == objects.end() ? 0 : at->second.size();
    }
    [[nodiscard]] std::size_t calls(const std::string& method) const {
        return static_cast<std::size_t>(std::count(methods.begin(), methods.end(), method));
    }
    // Everything the add-on sent, for secret checks.
    [[nodiscard]] std::string sent() const {
        std::string all;
        for (const auto& r : requests) {
            all += r.body + "\n";
        }
        return all;
    }

    Object& add(const std::string& kind, std::map<std::string, std::string> fields) {
        auto& list = objects[kind];
        list.push_back(Object{std::to_string(++m_next), std::move(fields), {}, {}});
        return list.back();
    }

private:
    static const char* id_field(const std::string& kind) {
        if (kind == "hostgroup") {
            return "groupid";
        }
        if (kind == "usergroup") {
            return "usrgrpid";
        }
        if (kind == "usermacro") {
            return "hostmacroid";
        }
        static std::map<std::string, std::string> names;
        return names.emplace(kind, kind + "id").first->second.c_str();
    }
    // The field a create names its object by.
    static std::string name_field(const std::string& kind) {
        if (kind == "user") {
            return "username";
        }
        if (kind == "host" || kind == "template") {
            return "host";
        }
        return kind == "usermacro" ? "macro" : "name";
    }

    static std::string error(const std::string& data) {
        json::Writer w;
        w.begin_object().member("jsonrpc", "2.0").key("error").begin_object();
        w.member("code", -32602).member("message", "Invalid params.").member("data", data);
        w.end_object().member("id", 1).end_object();
        return w.str();
    }

    std::string answer(const std::string& method, const json::View& root) {
        const auto params = root.at("params");
        if (method == "user.login") {
            if (params.at("username").as_string() != "Admin" ||
                params.at("password").as_string() != "zabbix") {
                return error("Incorrect user name or password or account is temporarily "
                             "blocked.");
            }
            m_sessions.insert("session" + std::to_string(++m_next) + "abcdef");
            return result([&](json::Writer& w) { w.value(*m_sessions.rbegin()); });
        }
        const auto auth = root.find("auth");
        if (!auth || m_sessions.count(auth->as_string()) == 0) {
            return error("Session terminated, re-login, please.");
        }
        const auto dot = method.find('.');
        const auto kind = method.substr(0, dot);
        const auto verb = method.substr(dot + 1);
        if (verb == "get") {
            return get(kind, params);
        }
        if (verb == "create") {
            return create(kind, params);
        }
        if (verb == "update") {
            auto* o = by_id(kind, params.at(id_field(kind)).as_string());
            if (o == nullptr) {
                return error("No permissions to referred object or it does not exist!");
            }
            for (const auto& m : params.members()) {
                o->fields[m.name] =
                    m.value.is_string() ? m.value.as_string() : std::to_string(m.value.as_int64());
            }
            return ids_reply(kind, {o->id});
        }
        if (verb == "delete") {
            std::vector<std::string> ids;
            for (const auto& id : params.items()) {
                ids.push_back(id.as_string());
            }
            auto& list = objects[kind];
            for (const auto& id : ids) {
                if (by_id(kind, id) == nullptr) {
                    return error("No permissions to referred object or it does not exist!");
                }
            }
            list.erase(std::remove_if(list.begin(), list.end(),
                                      [&](const Object& o) {
                                          return std::find(ids.begin(), ids.end(), o.id) !=
                                                 ids.end();
                                      }),
                       list.end());
            if (kind == "host") {
                auto& macros = objects["usermacro"];
                macros.erase(std::remove_if(macros.begin(), macros.end(),
                                            [&](const Object& o) {
                                                return std::find(ids.begin(), ids.end(),
                                                                 o.parent) != ids.end();
                                            }),
                             macros.end());
            }
            return ids_reply(kind, ids);
        }
        return error("Incorrect method \"" + method + "\".");
    }

    Object* by_id(const std::string& kind, const std::string& id) {
        for (auto& o : objects[kind]) {
            if (o.id == id) {
                return &o;
            }
        }
        return nullptr;
    }

    template <typename Write>
    static std::string result(Write&& write) {
        json::Writer w;
        w.begin_object().member("jsonrpc", "2.0").key("result");
        write(w);
        w.member("id", 1).end_object();
        return w.str();
    }

    std::string ids_reply(const std::string& kind, const std::vector<std::string>& ids) {
        return result([&](json::Writer& w) {
            w.begin_object().key(std::string(id_field(kind)) + "s").begin_array();
            for (const auto& id : ids) {
                w.value(id);
            }
            w.end_array().end_object();
        });
    }

    std::string create(const std::string& kind, const json::View& params) {
        const auto key = name_field(kind);
        const auto name = params.at(key).as_string();
        if (kind != "usermacro" && find(kind, key, name) != nullptr) {
            return error(kind + " \"" + name + "\" already exists.");
        }
        std::map<std::string, std::string> fields{{key, name}};
        for (const auto& m : params.members()) {
            if (m.value.is_string()) {
                fields[m.name] = m.value.as_string();
            } else if (m.value.is_number()) {
                fields[m.name] = std::to_string(m.value.as_int64());
            }
        }
        if (kind == "action") {
            fields["condition"] =
                params.at("filter").at("conditions").at(std::size_t{0}).at("value").as_string();
            fields.emplace("status", "0");
        }
        if (kind == "usergroup") {
            fields.emplace("users_status", "0");
        }
        auto& made = add(kind, fields);
        if (kind == "host") {
            for (const auto& g : params.at("groups").items()) {
                made.groups.insert(g.at("groupid").as_string());
            }
            const auto host_id = made.id; // `made` moves when the macros are added
            if (auto macros = params.find("macros")) {
                for (const auto& m : macros->items()) {
                    auto& macro = add("usermacro", {{"macro", m.at("macro").as_string()},
                                                    {"value", m.at("value").as_string()},
                                                    {"type", "1"}});
                    macro.parent = host_id;
                }
            }
            return ids_reply(kind, {host_id});
        }
        if (kind == "usermacro") {
            objects["usermacro"].back().parent = params.at("hostid").as_string();
        }
        return ids_reply(kind, {made.id});
    }

    std::string get(const std::string& kind, const json::View& params) {
        std::vector<const Object*> hits;
        for (const auto& o : objects[kind]) {
            bool ok = true;
            if (auto filter = params.find("filter")) {
                for (const auto& f : filter->members()) {
                    const auto want = f.value.at(std::size_t{0}).as_string();
                    ok = ok && o.fields.count(f.name) > 0 && o.fields.at(f.name) == want;
                }
            }
            if (auto groups = params.find("groupids")) {
                ok = ok && o.groups.count(groups->at(std::size_t{0}).as_string()) > 0;
            }
            if (auto hosts = params.find("hostids")) {
                ok = ok && o.parent == hosts->at(std::size_t{0}).as_string();
            }
            if (ok) {
                hits.push_back(&o);
            }
        }
        return result([&](json::Writer& w) {
            w.begin_array();
            for (const auto* o : hits) {
                w.begin_object().member(id_field(kind), o->id);
                for (const auto& [name, value] : o->fields) {
                    // Secret macro values never come back (api/console-zabbix.md §2.2).
                    if (name != "value" && name != "passwd" && name != "condition") {
                        w.member(name, value);
                    }
                }
                if (kind == "action" && params.find("selectFilter")) {
                    w.key("filter").begin_object().key("conditions").begin_array();
                    w.begin_object().member("conditiontype", "24").member("operator", "2");
                    w.member("value", o->fields.at("condition")).end_object();
                    w.end_array().end_object();
                }
                w.end_object();
            }
            w.end_array();
        });
    }

    std::set<std::string> m_sessions;
    int m_next = 100;
};

} // namespace pm::test
