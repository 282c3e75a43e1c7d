// A fediverse follower built with Fedify, which the tests start on loopback: it looks an
// Amicus actor up by WebFinger, follows it, and records what arrives in its inbox. Fedify
// checks every delivery's HTTP signature itself; only verified activities are recorded.
// Usage: node peer.mjs PORT   (prints "ready" when it listens)
import "./node20.mjs";
import http from "node:http";
import {
  Accept, Create, Endpoints, Object as APObject, Delete, Follow, MemoryKvStore, Person, Update,
  createFederation, generateCryptoKeyPair, lookupWebFinger,
} from "@fedify/fedify";

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });
const received = [];
let keys = null;

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "alice") return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((pair) => pair.multikey),
    });
  })
  .setKeyPairsDispatcher(async () => {
    keys ??= [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
    return keys;
  });

async function record(ctx, activity) {
  // Create and Update carry the Note; Accept and Delete only name their object.
  const carries = activity instanceof Create || activity instanceof Update;
  const object = carries ? await activity.getObject() : null;
  received.push({
    type: activity.constructor.name,
    actor: activity.actorId?.href,
    object: object?.id?.href ?? activity.objectId?.href ?? null,
    content: object?.content?.toString() ?? null,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, record)
  .on(Create, record)
  .on(Update, record)
  .on(Delete, record)
  .onError((_ctx, error) => console.error("inbox error:", error));

async function control(request) {
  const url = new URL(request.url);
  if (url.pathname === "/control/received") return Response.json(received);
  if (url.pathname === "/control/follow") {
    // WebFinger over http for loopback: Fedify asks the server the resource URL names.
    const found = await lookupWebFinger(url.searchParams.get("resource"), {
      allowPrivateAddress: true,
    });
    const self = found?.links?.find((link) => link.rel === "self")?.href;
    if (!self) return new Response("not found by WebFinger", { status: 404 });
    const ctx = federation.createContext(new URL(origin), undefined);
    const { document } = await ctx.documentLoader(self);
    const target = await APObject.fromJsonLd(document, {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    await ctx.sendActivity({ identifier: "alice" }, target, new Follow({
      id: new URL(`${origin}/follows/${received.length}-${Date.now()}`),
      actor: ctx.getActorUri("alice"),
      object: target.id,
    }), { immediate: true });
    return Response.json({ actor: self });
  }
  return null;
}

http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const request = new Request(`${origin}${req.url}`, {
    method: req.method, headers: req.headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  let response;
  try {
    response = (await control(request)) ?? (await federation.fetch(request, { contextData: undefined }));
  } catch (error) {
    console.error(error);
    response = new Response(String(error?.stack ?? error), { status: 500 });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(port, "127.0.0.1", () => console.log("ready"));
