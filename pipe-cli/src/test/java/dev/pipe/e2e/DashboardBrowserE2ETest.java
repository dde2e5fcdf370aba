package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.example.EchoServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromedriver): a live tunnel
 * with byte counts that move, and the close button, confirmed, closing it for real. Screenshots
 * land in {@code target/artifacts}.
 */
@Timeout(120)
class DashboardBrowserE2ETest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path ARTIFACTS = Path.of("target", "artifacts");
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path profile;
  private EchoServer echo;
  private AdminFixture admin;
  private WebDriver browser;

  @BeforeEach
  void start() throws Exception {
    assertThat(CHROMIUM).as("Debian's chromium (.ci/run installs it)").isExecutable();
    assertThat(CHROMEDRIVER).as("Debian's chromium-driver (.ci/run installs it)").isExecutable();
    echo = EchoServer.start(LOOPBACK, 0);
    admin = AdminFixture.start();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + profile,
        "--window-size=1280,860");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    admin.close();
    echo.close();
  }

  @Test
  void showsALiveTunnelWithMovingByteCountsAndClosesItOnConfirmation() throws Exception {
    AtomicBoolean sending = new AtomicBoolean(true);
    try (RunningClient client = RunningClient.start(admin.server, tcp("web", echo.port(), 0));
        RunningClient other = RunningClient.start(admin.server, tcp("ssh", echo.port(), 0))) {
      int port = client.awaitReady("web");
      other.awaitReady("ssh");
      Socket user = Fixture.connect(port);
      Thread traffic =
          Thread.ofVirtual().name("dashboard-traffic").start(() -> send(user, sending));

      browser.get(admin.uri("/").toString());
      By row = By.cssSelector("#tunnels tr[data-name='web']");
      waitFor("the tunnel's row", () -> !browser.findElements(row).isEmpty());
      long first = bytesIn(browser.findElement(row));
      waitFor("bytes in to move", () -> bytesIn(browser.findElement(row)) > first);
      long second = bytesIn(browser.findElement(row));
      waitFor("bytes in to move again", () -> bytesIn(browser.findElement(row)) > second);
      assertThat(browser.findElement(row).findElement(By.cssSelector("td.port")).getText())
          .isEqualTo(String.valueOf(port));
      waitFor(
          "a rate above zero",
          () ->
              !browser
                  .findElement(row)
                  .findElement(By.cssSelector("td.rate"))
                  .getText()
                  .startsWith("0 B/s"));
      saveScreenshots();

      browser.findElement(row).findElement(By.cssSelector("button.close")).click();
      WebElement dialog = browser.findElement(By.id("confirm-close"));
      waitFor("the confirmation dialog", dialog::isDisplayed);
      assertThat(browser.findElement(By.id("confirm-name")).getText()).isEqualTo("web");
      browser.findElement(By.id("confirm-ok")).click();

      waitFor("the row to go", () -> browser.findElements(row).isEmpty());
      assertThat(client.awaitClosed("web"))
          .isEqualTo("closed by an operator from the admin dashboard");
      assertThatThrownBy(() -> Fixture.connect(port).close())
          .as("the public port stops accepting")
          .isInstanceOf(ConnectException.class);
      traffic.join(WAIT);
      assertThat(traffic.isAlive()).as("the open connection was cut").isFalse();
      assertThat(browser.findElements(By.cssSelector("#tunnels tr[data-name='ssh']")))
          .as("the other client's tunnel stays")
          .hasSize(1);
    } finally {
      sending.set(false);
    }
  }

  /** Polls the page until {@code condition} holds; an element missing meanwhile is "not yet". */
  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    Fixture.eventually(
        WAIT,
        what,
        () -> {
          try {
            return condition.getAsBoolean();
          } catch (WebDriverException e) {
            return false;
          }
        });
  }

  private static long bytesIn(WebElement row) {
    return Long.parseLong(row.getAttribute("data-bytes-in"));
  }

  /** Echoes 16 KiB every 50 ms until told to stop or the connection is cut. */
  private static void send(Socket user, AtomicBoolean sending) {
    byte[] chunk = Fixture.randomBytes(5, 16 * 1024);
    try (user) {
      OutputStream out = user.getOutputStream();
      InputStream in = user.getInputStream();
      while (sending.get()) {
        out.write(chunk);
        if (in.readNBytes(chunk.length).length < chunk.length) {
          return;
        }
        Thread.sleep(50);
      }
    } catch (IOException e) {
      // The tunnel was closed under the connection: what the test waits for.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The dashboard on a laptop and on a phone; the phone layout must not scroll sideways. */
  private void saveScreenshots() throws IOException {
    Files.createDirectories(ARTIFACTS);
    save("dashboard.png");
    browser.manage().window().setSize(new Dimension(390, 844));
    long overflow =
        (Long)
            ((JavascriptExecutor) browser)
                .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
    assertThat(overflow).as("horizontal overflow on a phone, in pixels").isLessThanOrEqualTo(0);
    save("dashboard-phone.png");
    browser.manage().window().setSize(new Dimension(1280, 860));
  }

  private void save(String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), ARTIFACTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
