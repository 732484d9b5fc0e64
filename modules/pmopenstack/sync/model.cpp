#include "pmopenstack/sync/model.hpp"

#include "pm/params.hpp"

namespace pm::openstack::sync {
namespace {

constexpr std::string_view k_mark_prefix = "pm object ";

std::string param_or_empty(const ParamMap& params, std::string_view name) {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
}

} // namespace

std::string_view type_of(Kind kind) {
    switch (kind) {
    case Kind::network:
        return "network";
    case Kind::router:
        return "router";
    case Kind::router_interface:
        return "router_interface";
    case Kind::loadbalancer:
        return "loadbalancer";
    case Kind::vm:
        return "vm";
    case Kind::volume:
        return "volume";
    }
    return "?";
}

std::optional<Kind> kind_of(std::string_view type) {
    for (const auto kind : k_kinds) {
        if (type_of(kind) == type) {
            return kind;
        }
    }
    return std::nullopt;
}

std::size_t index_of(Kind kind) {
    return static_cast<std::size_t>(kind);
}

std::string_view action_name(Action action) {
    switch (action) {
    case Action::add:
        return "add";
    case Action::adopt:
        return "adopt";
    case Action::relink:
        return "relink";
    case Action::remove:
        return "remove";
    case Action::mark_deleted:
        return "mark_deleted";
    case Action::revive:
        return "revive";
    case Action::limits:
        return "limits";
    case Action::vdc_deleted:
        return "vdc_deleted";
    }
    return "?";
}

std::optional<ObjectId> parse_mark(std::string_view text) {
    if (text.substr(0, k_mark_prefix.size()) != k_mark_prefix) {
        return std::nullopt;
    }
    const auto id = parse_int(text.substr(k_mark_prefix.size()));
    if (!id || *id <= 0) {
        return std::nullopt;
    }
    return ObjectId(*id);
}

const Links& links_of(const StoreObject& object) {
    static const Links none;
    return object.links ? *object.links : none;
}

std::string interface_pair(std::string_view router, std::string_view subnet) {
    std::string out;
    out.reserve(router.size() + subnet.size() + 1);
    out.append(router).append("|").append(subnet);
    return out;
}

std::string interface_pair(const Found& interface) {
    return interface_pair(param_or_empty(interface.params, "router_id"),
                          param_or_empty(interface.params, "subnet_id"));
}

VdcIndex::VdcIndex(const std::vector<const StoreObject*>& objects) {
    for (const auto* object : objects) {
        m_ids.emplace(object->id, object);
        if (!object->external_id.empty()) {
            m_external.emplace(object->external_id, object);
        }
    }
    for (const auto* object : objects) {
        if (object->kind != Kind::router_interface) {
            continue;
        }
        if (auto pair = pair_of(*object); !pair.empty()) {
            m_pairs.insert(std::move(pair));
        }
    }
}

bool VdcIndex::knows(const Found& found) const {
    if (m_external.contains(found.id)) {
        return true;
    }
    if (found.mark && m_ids.contains(*found.mark)) {
        return true;
    }
    if (found.kind == Kind::router_interface) {
        return m_pairs.contains(interface_pair(found));
    }
    return false;
}

const StoreObject* VdcIndex::by_external_id(const std::string& id) const {
    const auto it = m_external.find(id);
    return it == m_external.end() ? nullptr : it->second;
}

const StoreObject* VdcIndex::by_id(ObjectId id) const {
    const auto it = m_ids.find(id);
    return it == m_ids.end() ? nullptr : it->second;
}

std::string VdcIndex::pair_of(const StoreObject& interface) const {
    const auto& links = links_of(interface);
    if (!links.router_id.empty() && !links.subnet_id.empty()) {
        return interface_pair(links.router_id, links.subnet_id);
    }
    if (!links.router_object || !links.network_object) {
        return {};
    }
    const auto* router = by_id(*links.router_object);
    const auto* network = by_id(*links.network_object);
    if (router == nullptr || network == nullptr || router->external_id.empty() ||
        links_of(*network).subnet_id.empty()) {
        return {};
    }
    return interface_pair(router->external_id, links_of(*network).subnet_id);
}

} // namespace pm::openstack::sync
