// An embedded Tomcat 10 (Jakarta WebSocket, JSR 356: what Spring's WebSocket support runs on) with
// endpoints that behave like a Spring app's. Started once per suite by test/helpers/tomcat.ts:
//   java -cp <Debian's Tomcat jars>:<this folder> ChatServer <port> <allowed origin>
// Prints "listening <port>" when it accepts connections.
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsContextListener;
import org.apache.tomcat.websocket.server.WsServerContainer;

public class ChatServer {
  /** Echoes every text message; `idle` sessions time out after 1 s without traffic. */
  public static class Echo extends Endpoint {
    @Override
    public void onOpen(Session session, EndpointConfig config) {
      if (config.getUserProperties().containsKey("idle")) session.setMaxIdleTimeout(1000);
      session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
        try {
          session.getBasicRemote().sendText(text);
        } catch (IOException e) {
          // the peer went away
        }
      });
    }
  }

  /** Closes every session with 1008 (policy violation) as soon as it opens, as an app refusing a user does. */
  public static class Policy extends Endpoint {
    @Override
    public void onOpen(Session session, EndpointConfig config) {
      try {
        session.close(new CloseReason(CloseReason.CloseCodes.VIOLATED_POLICY, "not allowed in this room"));
      } catch (IOException e) {
        // the peer went away
      }
    }
  }

  /** Spring's setAllowedOrigins: an upgrade from any other Origin is refused with 403 (no Origin: a non-browser client, allowed). */
  static class Origins extends ServerEndpointConfig.Configurator {
    private final String allowed;

    Origins(String allowed) {
      this.allowed = allowed;
    }

    @Override
    public boolean checkOrigin(String origin) {
      return origin == null || origin.equals(allowed);
    }
  }

  /** Where a Spring app without a handler at the path answers: a page, as any other request. */
  public static class Page extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      String path = request.getRequestURI();
      // SockJS answers its base path with a greeting; its raw WebSocket is at <path>/websocket.
      if (path.startsWith("/sockjs-chat")) {
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write("Welcome to SockJS!\n");
        return;
      }
      // Spring's handshake handler answers an upgrade to anything but WebSocket so.
      String upgrade = request.getHeader("Upgrade");
      if (path.startsWith("/spring") && upgrade != null && !upgrade.equalsIgnoreCase("websocket")) {
        response.setStatus(400);
        response.getWriter().write("Can \"Upgrade\" only to \"WebSocket\".");
        return;
      }
      if (!path.equals("/")) {
        response.sendError(404);
        return;
      }
      response.setContentType("text/html;charset=UTF-8");
      response.getWriter().write("<!doctype html><title>Chat</title><h1>Chat</h1>");
    }
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String allowedOrigin = args.length > 1 ? args[1] : "https://app.example.com";
    File base = Files.createTempDirectory("tomcat").toFile();
    base.deleteOnExit();
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.getAbsolutePath());
    tomcat.setHostname("127.0.0.1");
    // The port first: getConnector() makes the connector with the port set at that moment.
    tomcat.setPort(port);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    Context context = tomcat.addContext("", base.getAbsolutePath());
    context.addApplicationListener(WsContextListener.class.getName());
    // A servlet at "/": without one, Tomcat answers every upgrade with 404 before the WebSocket filter runs.
    Tomcat.addServlet(context, "page", new Page());
    context.addServletMappingDecoded("/", "page");
    tomcat.start();
    WsServerContainer container = (WsServerContainer) context.getServletContext().getAttribute(ServerContainer.class.getName());
    // Idle sessions are looked for every second, not Tomcat's default 10.
    container.setProcessPeriod(1);
    List<String> protocols = List.of("chat.v2", "chat.v1");
    container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/chat").subprotocols(protocols).build());
    container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/guarded").configurator(new Origins(allowedOrigin)).build());
    container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/admin").configurator(new Origins("https://admin.example.com")).build());
    ServerEndpointConfig idle = ServerEndpointConfig.Builder.create(Echo.class, "/idle").build();
    idle.getUserProperties().put("idle", true);
    container.addEndpoint(idle);
    container.addEndpoint(ServerEndpointConfig.Builder.create(Policy.class, "/policy").build());
    container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/sockjs-chat/websocket").build());
    System.out.println("listening " + port);
    System.out.flush();
    tomcat.getServer().await();
  }
}
