-- gRPC model-name guard of a team's Triton shards (Envoy HTTP Lua filter, inbound
-- sidecar, Triton's gRPC port). Rendered by constructs/team-grpc-guard.ts,
-- which puts four generated lines above this one:
--   TENANT_HEADER, MODEL_HEADER  the stack's routing headers (lower case)
--   STREAM_ALLOWED               true in the filter for shards without tenanted copies
--   UNTENANTED                   set of the team's untenanted models (their copy is named like the model)
--
-- The mesh routes and authorizes gRPC calls on the model and tenant headers,
-- but Triton serves the model named inside the protobuf message. This filter
-- runs after Istio's RBAC filter and refuses a call whose message names
-- another copy than the headers: `<model>.<tenant>`, or `<model>` without a
-- tenant header. Written for LuaJIT (Lua 5.1): no integer division, no
-- bitwise operators, no goto. Fails closed: a call it cannot check is refused.

local PREFIX = "/inference.GRPCInferenceService/"

-- Methods whose request names one model in field 1 (ModelInferRequest.model_name;
-- `name` of ModelReady/ModelMetadata/ModelConfig/ModelStatisticsRequest).
local NAMED = { ModelInfer = true, ModelReady = true, ModelMetadata = true, ModelConfig = true, ModelStatistics = true }

local PERMISSION_DENIED, UNIMPLEMENTED = "7", "12"

-- A trailers-only gRPC answer; the request is not forwarded.
local function deny(handle, status, message)
  handle:respond({ [":status"] = "200", ["content-type"] = "application/grpc", ["grpc-status"] = status, ["grpc-message"] = message }, "")
end

-- A DNS label (model and tenant names): no dot, comma or space to confuse `<model>.<tenant>`.
local function label(value)
  return value ~= nil and string.find(value, "^[a-z0-9][a-z0-9-]*$") ~= nil
end

-- Varint at `pos` of `s` (at most 10 bytes, none past `last`): value, next position; nil when malformed.
-- Arithmetic only (no bit operations); `mul` starts as a float so no Lua runtime overflows.
local function varint(s, pos, last)
  local value, mul = 0, 1.0
  for p = pos, pos + 9 do
    if p > last then return nil end
    local b = string.byte(s, p)
    value = value + (b % 128) * mul
    if b < 128 then return value, p + 1 end
    mul = mul * 128
  end
  return nil
end

-- The last field 1 (a string, wire type 2) of protobuf message `s`, "" when absent
-- (proto3: the last occurrence wins). Every field is walked; nil when malformed.
local function lastField1(s)
  local pos, last, name = 1, #s, ""
  while pos <= last do
    local tag, after = varint(s, pos, last)
    if tag == nil then return nil end
    local field, wire = math.floor(tag / 8), tag % 8
    if field < 1 or (field == 1 and wire ~= 2) then return nil end
    pos = after
    if wire == 0 then
      local _, valueEnd = varint(s, pos, last)
      if valueEnd == nil then return nil end
      pos = valueEnd
    elseif wire == 1 then
      pos = pos + 8
    elseif wire == 5 then
      pos = pos + 4
    elseif wire == 2 then
      local len, start = varint(s, pos, last)
      if len == nil or len > last - start + 1 then return nil end
      if field == 1 then name = string.sub(s, start, start + len - 1) end
      pos = start + len
    else
      return nil -- 3 and 4 (groups), 6 and 7 (undefined)
    end
    if pos > last + 1 then return nil end
  end
  return name
end

-- The one gRPC message of a unary request body: message; or nil and why not.
local function onlyMessage(body)
  if body == nil or body:length() < 5 then return nil, "the request holds no gRPC message" end
  local n = body:length()
  local flag, b1, b2, b3, b4 = string.byte(body:getBytes(0, 5), 1, 5)
  if flag == 1 then return nil, "compressed requests are not accepted; send the request uncompressed" end
  if flag ~= 0 then return nil, "the request is not a gRPC message" end
  local len = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  if len ~= n - 5 then return nil, "a unary request carries exactly one gRPC message" end
  if len == 0 then return "" end
  return body:getBytes(5, len)
end

-- What to do from the headers alone: nil (not ours), or deny arguments, or the expected name.
local function fromHeaders(handle)
  local headers = handle:headers()
  local path = headers:get(":path") or ""
  if string.sub(path, 1, #PREFIX) ~= PREFIX then return nil end
  local method = string.match(string.sub(path, #PREFIX + 1), "^[^?]*")
  local model, tenant = headers:get(MODEL_HEADER), headers:get(TENANT_HEADER)
  if method == "ModelStreamInfer" then
    if tenant == nil and STREAM_ALLOWED then return nil end
    return { deny = { UNIMPLEMENTED, "ModelStreamInfer cannot be checked against the " .. MODEL_HEADER .. " and " .. TENANT_HEADER .. " headers on this shard; use ModelInfer" } }
  end
  if not NAMED[method] then return nil end -- server health and metadata: left to the AuthorizationPolicy
  if not label(model) then return { deny = { PERMISSION_DENIED, MODEL_HEADER .. " must name the model (a DNS label)" } } end
  if tenant == nil or UNTENANTED[model] then return { expected = model } end
  if not label(tenant) then return { deny = { PERMISSION_DENIED, TENANT_HEADER .. " must name one tenant (a DNS label)" } } end
  return { expected = model .. "." .. tenant }
end

-- The deny arguments for a message that does not name `expected`, or nil when it does.
local function checkMessage(body, expected)
  local message, problem = onlyMessage(body)
  if message == nil then return { PERMISSION_DENIED, problem } end
  local name = lastField1(message)
  if name == nil then return { PERMISSION_DENIED, "the request message is not valid protobuf" } end
  if name ~= expected then
    return { PERMISSION_DENIED, "the request must name model \"" .. expected .. "\" (from the " .. MODEL_HEADER .. " and " .. TENANT_HEADER .. " headers)" }
  end
  return nil
end

local function failed(handle, err)
  pcall(function() handle:logErr("grpc-guard: " .. tostring(err)) end)
  deny(handle, PERMISSION_DENIED, "the request could not be checked")
end

-- Envoy continues a request whose script raised an error, so every step that
-- could raise runs under pcall and an error denies. handle:body() stays outside
-- pcall: it suspends the script until the whole body is buffered.
function envoy_on_request(handle)
  local ok, plan = pcall(fromHeaders, handle)
  if not ok then return failed(handle, plan) end
  if plan == nil then return end
  if plan.deny then return deny(handle, plan.deny[1], plan.deny[2]) end
  local body = handle:body()
  local checked, refusal = pcall(checkMessage, body, plan.expected)
  if not checked then return failed(handle, refusal) end
  if refusal then return deny(handle, refusal[1], refusal[2]) end
end
